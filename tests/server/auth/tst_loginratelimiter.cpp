// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// LoginRateLimiter: per-user and per-address sliding windows, Retry-After values, reset on success.
#include "auth/loginratelimiter.h"

#include <QtTest/QTest>

using namespace Sluice::Server;
using namespace std::chrono_literals;
using Clock = LoginRateLimiter::Clock;

class TestLoginRateLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void blocksUserAfterMaxFailures()
    {
        LoginRateLimiter limiter(3, 60s);
        const Clock::time_point t0 = Clock::now();
        for (int i = 0; i < 3; ++i) {
            QVERIFY(!limiter.retryAfter(QStringLiteral("alice"), QStringLiteral("10.0.0.1"),
                                        t0 + 1s * i));
            limiter.recordFailure(QStringLiteral("alice"), QStringLiteral("10.0.0.1"), t0 + 1s * i);
        }
        // 4th attempt at t0+3s: blocked until the first failure leaves the window (t0+60s).
        const auto wait
            = limiter.retryAfter(QStringLiteral("alice"), QStringLiteral("10.0.0.2"), t0 + 3s);
        QVERIFY(wait);
        QCOMPARE(*wait, 57s);
        // Names compare case-insensitively.
        QVERIFY(limiter.retryAfter(QStringLiteral("ALICE"), QStringLiteral("10.0.0.3"), t0 + 3s));
        // Another user from the same address is not blocked yet (address limit is 3 * 4).
        QVERIFY(!limiter.retryAfter(QStringLiteral("bob"), QStringLiteral("10.0.0.1"), t0 + 3s));
        // The window slides: once the oldest failure is out, one more attempt is allowed.
        QVERIFY(!limiter.retryAfter(QStringLiteral("alice"), QStringLiteral("10.0.0.1"), t0 + 60s));
    }

    void retryAfterIsAtLeastOneSecond()
    {
        LoginRateLimiter limiter(1, 10s);
        const Clock::time_point t0 = Clock::now();
        limiter.recordFailure(QStringLiteral("a"), QStringLiteral("x"), t0);
        const auto wait = limiter.retryAfter(QStringLiteral("a"), QStringLiteral("x"), t0 + 9999ms);
        QVERIFY(wait);
        QCOMPARE(*wait, 1s);
        QVERIFY(!limiter.retryAfter(QStringLiteral("a"), QStringLiteral("x"), t0 + 10s));
    }

    void blocksAddressAcrossUsers()
    {
        LoginRateLimiter limiter(2, 60s, 2); // address limit 4
        const Clock::time_point t0 = Clock::now();
        for (int i = 0; i < 4; ++i)
            limiter.recordFailure(QStringLiteral("user%1").arg(i), QStringLiteral("192.0.2.7"), t0);
        QVERIFY(
            limiter.retryAfter(QStringLiteral("fresh-user"), QStringLiteral("192.0.2.7"), t0 + 1s));
        QVERIFY(!limiter.retryAfter(QStringLiteral("fresh-user"), QStringLiteral("192.0.2.8"),
                                    t0 + 1s));
    }

    void successClearsTheUser()
    {
        LoginRateLimiter limiter(2, 60s);
        const Clock::time_point t0 = Clock::now();
        limiter.recordFailure(QStringLiteral("carol"), QStringLiteral("a"), t0);
        limiter.recordSuccess(QStringLiteral("Carol"));
        limiter.recordFailure(QStringLiteral("carol"), QStringLiteral("a"), t0);
        QVERIFY(!limiter.retryAfter(QStringLiteral("carol"), QStringLiteral("b"), t0));
        limiter.recordFailure(QStringLiteral("carol"), QStringLiteral("a"), t0);
        QVERIFY(limiter.retryAfter(QStringLiteral("carol"), QStringLiteral("b"), t0));
    }

    void forgetsOldEntries()
    {
        LoginRateLimiter limiter(5, 1s);
        const Clock::time_point t0 = Clock::now();
        limiter.recordFailure(QStringLiteral("dave"), QStringLiteral("a"), t0);
        QCOMPARE(limiter.trackedKeys(), 2);
        QVERIFY(!limiter.retryAfter(QStringLiteral("dave"), QStringLiteral("a"), t0 + 2s));
        QCOMPARE(limiter.trackedKeys(), 0);
    }
};

QTEST_GUILESS_MAIN(TestLoginRateLimiter)
#include "tst_loginratelimiter.moc"
