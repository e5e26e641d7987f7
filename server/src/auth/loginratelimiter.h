// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// LoginRateLimiter: sliding-window count of failed logins per user name and per client address.
// Blocked keys get 429 + Retry-After before any password check. In memory (restarts forget).
#pragma once

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QString>

#include <chrono>
#include <optional>

namespace Sluice::Server {

class LoginRateLimiter
{
public:
    using Clock = std::chrono::steady_clock;

    // A user name is blocked after `maxFailures` failures inside `window`; a client address after
    // `maxFailures * addressFactor` (several users may share one address).
    LoginRateLimiter(int maxFailures, std::chrono::seconds window, int addressFactor = 4);

    // When blocked: how long until the next attempt is allowed (>= 1 s). nullopt: go ahead.
    std::optional<std::chrono::seconds> retryAfter(const QString &userName, const QString &address,
                                                   Clock::time_point now = Clock::now());
    void recordFailure(const QString &userName, const QString &address,
                       Clock::time_point now = Clock::now());
    // A successful login clears the user name's failures (not the address's).
    void recordSuccess(const QString &userName);

    qsizetype trackedKeys() const { return m_failures.size(); }

private:
    static constexpr qsizetype maxTrackedKeys = 100000;
    void prune(Clock::time_point now);
    std::optional<std::chrono::seconds> blockedFor(const QString &key, int limit,
                                                   Clock::time_point now);
    int m_maxFailures;
    std::chrono::seconds m_window;
    int m_addressFactor;
    QHash<QString, QList<Clock::time_point>> m_failures; // "u:<name>" / "a:<address>"
};

} // namespace Sluice::Server
