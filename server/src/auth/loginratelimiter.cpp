// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/loginratelimiter.h"

#include "logging.h"

namespace Sluice::Server {

namespace {

QString userKey(const QString &name)
{
    return QStringLiteral("u:") + name.toCaseFolded();
}

QString addressKey(const QString &address)
{
    return QStringLiteral("a:") + address;
}

} // namespace

LoginRateLimiter::LoginRateLimiter(int maxFailures, std::chrono::seconds window, int addressFactor)
    : m_maxFailures(qMax(1, maxFailures))
    , m_window(window)
    , m_addressFactor(qMax(1, addressFactor))
{ }

std::optional<std::chrono::seconds> LoginRateLimiter::blockedFor(const QString &key, int limit,
                                                                 Clock::time_point now)
{
    auto it = m_failures.find(key);
    if (it == m_failures.end())
        return std::nullopt;
    QList<Clock::time_point> &times = it.value();
    while (!times.isEmpty() && times.constFirst() + m_window <= now)
        times.removeFirst();
    if (times.isEmpty()) {
        m_failures.erase(it);
        return std::nullopt;
    }
    if (times.size() < limit)
        return std::nullopt;
    // The attempt that frees a slot is the (size - limit + 1)-th oldest leaving the window.
    const Clock::time_point freeAt = times.at(times.size() - limit) + m_window;
    const auto wait = std::chrono::ceil<std::chrono::seconds>(freeAt - now);
    return std::max(wait, std::chrono::seconds(1));
}

std::optional<std::chrono::seconds>
LoginRateLimiter::retryAfter(const QString &userName, const QString &address, Clock::time_point now)
{
    const auto byUser = blockedFor(userKey(userName), m_maxFailures, now);
    const auto byAddress = blockedFor(addressKey(address), m_maxFailures * m_addressFactor, now);
    if (byUser && byAddress)
        return std::max(*byUser, *byAddress);
    return byUser ? byUser : byAddress;
}

void LoginRateLimiter::recordFailure(const QString &userName, const QString &address,
                                     Clock::time_point now)
{
    if (m_failures.size() >= maxTrackedKeys)
        prune(now);
    m_failures[userKey(userName)].append(now);
    m_failures[addressKey(address)].append(now);
}

void LoginRateLimiter::recordSuccess(const QString &userName)
{
    m_failures.remove(userKey(userName));
}

void LoginRateLimiter::prune(Clock::time_point now)
{
    for (auto it = m_failures.begin(); it != m_failures.end();) {
        if (it.value().isEmpty() || it.value().constLast() + m_window <= now)
            it = m_failures.erase(it);
        else
            ++it;
    }
    if (m_failures.size() >= maxTrackedKeys) {
        // Still full of live entries (an attack with many names): forget the oldest state rather
        // than grow without bound.
        qCWarning(lcSecurity, "login rate limiter full; resetting its state");
        m_failures.clear();
    }
}

} // namespace Sluice::Server
