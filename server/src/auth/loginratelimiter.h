// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// LoginRateLimiter: sliding-window count of failed logins per (user name, client address) and per
// client address, addresses counted by AddressKey (IPv6 by /64). Blocked keys get 429 +
// Retry-After before any password check. In memory (restarts forget).
//
// There is deliberately no limit per user name alone: anyone could then keep a user locked out by
// failing for them from anywhere. Guessing one user's password from many addresses is bounded by
// the per-address limits and by the global password-hash budget (PasswordHashPool).
#pragma once

#include "http/addresskey.h"

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QString>

#include <chrono>
#include <list>
#include <optional>

class QHostAddress;

namespace Sluice::Server {

class LoginRateLimiter
{
public:
    using Clock = std::chrono::steady_clock;
    static constexpr qsizetype defaultMaxTrackedKeys = 100000;

    // A user name is blocked for one client address after `maxFailures` failures from that address
    // inside `window`; an address for every user after `maxFailures * addressFactor` (several users
    // may share one address). At `maxTrackedKeys` keys the least recently failed ones are
    // forgotten.
    LoginRateLimiter(int maxFailures, std::chrono::seconds window, int addressFactor = 4,
                     qsizetype maxTrackedKeys = defaultMaxTrackedKeys);

    // When blocked: how long until the next attempt is allowed (>= 1 s). nullopt: go ahead.
    std::optional<std::chrono::seconds> retryAfter(const QString &userName,
                                                   const QHostAddress &address,
                                                   Clock::time_point now = Clock::now());
    void recordFailure(const QString &userName, const QHostAddress &address,
                       Clock::time_point now = Clock::now());
    // A successful login clears the failures of that user from that address (not the address's).
    void recordSuccess(const QString &userName, const QHostAddress &address);

    qsizetype trackedKeys() const { return m_failures.size(); }

private:
    struct Key
    {
        QString userName; // case-folded; empty: the address alone
        AddressKey address;
        friend bool operator==(const Key &a, const Key &b)
        {
            return a.address == b.address && a.userName == b.userName;
        }
        friend size_t qHash(const Key &key, size_t seed = 0) noexcept
        {
            return qHashMulti(seed, key.userName, key.address);
        }
    };
    struct Failures
    {
        QList<Clock::time_point> times; // oldest first, at most the key's limit
        std::list<Key>::iterator age;
    };

    std::optional<std::chrono::seconds> blockedFor(const Key &key, int limit,
                                                   Clock::time_point now);
    void record(const Key &key, int limit, Clock::time_point now);
    void forget(QHash<Key, Failures>::iterator it);

    int m_maxFailures;
    std::chrono::seconds m_window;
    int m_addressFactor;
    qsizetype m_maxTrackedKeys;
    QHash<Key, Failures> m_failures;
    std::list<Key> m_byAge; // least recently failed first
};

} // namespace Sluice::Server
