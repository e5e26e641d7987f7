// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/loginratelimiter.h"

#include <QtNetwork/QHostAddress>

namespace Sluice::Server {

LoginRateLimiter::LoginRateLimiter(int maxFailures, std::chrono::seconds window, int addressFactor,
                                   qsizetype maxTrackedKeys)
    : m_maxFailures(qMax(1, maxFailures))
    , m_window(window)
    , m_addressFactor(qMax(1, addressFactor))
    , m_maxTrackedKeys(qMax(qsizetype(2), maxTrackedKeys))
{ }

void LoginRateLimiter::forget(QHash<Key, Failures>::iterator it)
{
    m_byAge.erase(it->age);
    m_failures.erase(it);
}

std::optional<std::chrono::seconds> LoginRateLimiter::blockedFor(const Key &key, int limit,
                                                                 Clock::time_point now)
{
    auto it = m_failures.find(key);
    if (it == m_failures.end())
        return std::nullopt;
    QList<Clock::time_point> &times = it->times;
    while (!times.isEmpty() && times.constFirst() + m_window <= now)
        times.removeFirst();
    if (times.isEmpty()) {
        forget(it);
        return std::nullopt;
    }
    if (times.size() < limit)
        return std::nullopt;
    // The attempt that frees a slot is the (size - limit + 1)-th oldest leaving the window.
    const Clock::time_point freeAt = times.at(times.size() - limit) + m_window;
    const auto wait = std::chrono::ceil<std::chrono::seconds>(freeAt - now);
    return std::max(wait, std::chrono::seconds(1));
}

std::optional<std::chrono::seconds> LoginRateLimiter::retryAfter(const QString &userName,
                                                                 const QHostAddress &address,
                                                                 Clock::time_point now)
{
    const AddressKey client = AddressKey::of(address);
    const auto byUser = blockedFor(Key { userName.toCaseFolded(), client }, m_maxFailures, now);
    const auto byAddress
        = blockedFor(Key { QString(), client }, m_maxFailures * m_addressFactor, now);
    if (byUser && byAddress)
        return std::max(*byUser, *byAddress);
    return byUser ? byUser : byAddress;
}

void LoginRateLimiter::record(const Key &key, int limit, Clock::time_point now)
{
    auto it = m_failures.find(key);
    if (it == m_failures.end()) {
        // Full: forget the key that failed least recently. Live entries are kept whenever an
        // older one exists, so an attacker needs `maxTrackedKeys` fresh failures (each a password
        // hash from the global budget) to push out a block.
        if (m_failures.size() >= m_maxTrackedKeys)
            forget(m_failures.find(m_byAge.front()));
        m_byAge.push_back(key);
        it = m_failures.insert(key, Failures { {}, std::prev(m_byAge.end()) });
    } else {
        m_byAge.splice(m_byAge.end(), m_byAge, it->age);
    }
    it->times.append(now);
    // Only the newest `limit` failures decide a block; older ones only cost memory.
    while (it->times.size() > limit)
        it->times.removeFirst();
}

void LoginRateLimiter::recordFailure(const QString &userName, const QHostAddress &address,
                                     Clock::time_point now)
{
    const AddressKey client = AddressKey::of(address);
    record(Key { userName.toCaseFolded(), client }, m_maxFailures, now);
    record(Key { QString(), client }, m_maxFailures * m_addressFactor, now);
}

void LoginRateLimiter::recordSuccess(const QString &userName, const QHostAddress &address)
{
    const auto it = m_failures.find(Key { userName.toCaseFolded(), AddressKey::of(address) });
    if (it != m_failures.end())
        forget(it);
}

} // namespace Sluice::Server
