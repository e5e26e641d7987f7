// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// LoginRateLimiter: per-(user, address) and per-address sliding windows (IPv6 by /64), Retry-After
// values, reset on success, eviction of the least recently failed keys at the size cap.
#include "auth/loginratelimiter.h"

#include <QtNetwork/QHostAddress>
#include <QtTest/QTest>

using namespace Sluice::Server;
using namespace std::chrono_literals;
using Clock = LoginRateLimiter::Clock;

namespace {
QHostAddress ip(const char *text)
{
    return QHostAddress(QLatin1String(text));
}
} // namespace

class TestLoginRateLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void blocksUserFromOneAddressAfterMaxFailures()
    {
        LoginRateLimiter limiter(3, 60s);
        const Clock::time_point t0 = Clock::now();
        for (int i = 0; i < 3; ++i) {
            QVERIFY(!limiter.retryAfter(QStringLiteral("alice"), ip("10.0.0.1"), t0 + 1s * i));
            limiter.recordFailure(QStringLiteral("alice"), ip("10.0.0.1"), t0 + 1s * i);
        }
        // 4th attempt at t0+3s: blocked until the first failure leaves the window (t0+60s).
        const auto wait = limiter.retryAfter(QStringLiteral("alice"), ip("10.0.0.1"), t0 + 3s);
        QVERIFY(wait);
        QCOMPARE(*wait, 57s);
        // Names compare case-insensitively.
        QVERIFY(limiter.retryAfter(QStringLiteral("ALICE"), ip("10.0.0.1"), t0 + 3s));
        // Another user from the same address is not blocked yet (address limit is 3 * 4).
        QVERIFY(!limiter.retryAfter(QStringLiteral("bob"), ip("10.0.0.1"), t0 + 3s));
        // The window slides: once the oldest failure is out, one more attempt is allowed.
        QVERIFY(!limiter.retryAfter(QStringLiteral("alice"), ip("10.0.0.1"), t0 + 60s));
    }

    void attackerElsewhereDoesNotLockTheUserOut()
    {
        LoginRateLimiter limiter(3, 60s);
        const Clock::time_point t0 = Clock::now();
        for (int i = 0; i < 10; ++i)
            limiter.recordFailure(QStringLiteral("alice"), ip("203.0.113.66"), t0);
        QVERIFY(limiter.retryAfter(QStringLiteral("alice"), ip("203.0.113.66"), t0 + 1s));
        // Alice at home, on another address, signs in as usual.
        QVERIFY(!limiter.retryAfter(QStringLiteral("alice"), ip("198.51.100.7"), t0 + 1s));
        QVERIFY(!limiter.retryAfter(QStringLiteral("Alice"), ip("2001:db8:aa::1"), t0 + 1s));
    }

    void retryAfterIsAtLeastOneSecond()
    {
        LoginRateLimiter limiter(1, 10s);
        const Clock::time_point t0 = Clock::now();
        limiter.recordFailure(QStringLiteral("a"), ip("192.0.2.1"), t0);
        const auto wait = limiter.retryAfter(QStringLiteral("a"), ip("192.0.2.1"), t0 + 9999ms);
        QVERIFY(wait);
        QCOMPARE(*wait, 1s);
        QVERIFY(!limiter.retryAfter(QStringLiteral("a"), ip("192.0.2.1"), t0 + 10s));
    }

    void blocksAddressAcrossUsers()
    {
        LoginRateLimiter limiter(2, 60s, 2); // address limit 4
        const Clock::time_point t0 = Clock::now();
        for (int i = 0; i < 4; ++i)
            limiter.recordFailure(QStringLiteral("user%1").arg(i), ip("192.0.2.7"), t0);
        QVERIFY(limiter.retryAfter(QStringLiteral("fresh-user"), ip("192.0.2.7"), t0 + 1s));
        QVERIFY(!limiter.retryAfter(QStringLiteral("fresh-user"), ip("192.0.2.8"), t0 + 1s));
    }

    void ipv6AddressesInOneSlash64ShareABucket()
    {
        LoginRateLimiter limiter(2, 60s, 2); // address limit 4
        const Clock::time_point t0 = Clock::now();
        limiter.recordFailure(QStringLiteral("alice"), ip("2001:db8:1:2::1"), t0);
        limiter.recordFailure(QStringLiteral("alice"), ip("2001:db8:1:2:ffff:ffff:ffff:fffe"), t0);
        // A new address inside the same /64 is the same client for alice...
        QVERIFY(limiter.retryAfter(QStringLiteral("alice"), ip("2001:db8:1:2::99"), t0 + 1s));
        // ...but not the neighbouring /64.
        QVERIFY(!limiter.retryAfter(QStringLiteral("alice"), ip("2001:db8:1:3::1"), t0 + 1s));
        // The per-address limit counts the whole /64 too.
        limiter.recordFailure(QStringLiteral("bob"), ip("2001:db8:1:2::3"), t0);
        limiter.recordFailure(QStringLiteral("carol"), ip("2001:db8:1:2::4"), t0);
        QVERIFY(limiter.retryAfter(QStringLiteral("dave"), ip("2001:db8:1:2::5"), t0 + 1s));
        QVERIFY(!limiter.retryAfter(QStringLiteral("dave"), ip("2001:db8:1:3::5"), t0 + 1s));
        // An IPv4-mapped address is its IPv4 address.
        limiter.recordFailure(QStringLiteral("erin"), ip("::ffff:192.0.2.9"), t0);
        limiter.recordFailure(QStringLiteral("erin"), ip("192.0.2.9"), t0);
        QVERIFY(limiter.retryAfter(QStringLiteral("erin"), ip("192.0.2.9"), t0 + 1s));
    }

    void successClearsTheUserAtThatAddress()
    {
        LoginRateLimiter limiter(2, 60s);
        const Clock::time_point t0 = Clock::now();
        limiter.recordFailure(QStringLiteral("carol"), ip("192.0.2.1"), t0);
        limiter.recordSuccess(QStringLiteral("Carol"), ip("192.0.2.1"));
        limiter.recordFailure(QStringLiteral("carol"), ip("192.0.2.1"), t0);
        QVERIFY(!limiter.retryAfter(QStringLiteral("carol"), ip("192.0.2.1"), t0));
        limiter.recordFailure(QStringLiteral("carol"), ip("192.0.2.1"), t0);
        QVERIFY(limiter.retryAfter(QStringLiteral("carol"), ip("192.0.2.1"), t0));
        // A success elsewhere does not unblock the address that failed.
        limiter.recordSuccess(QStringLiteral("carol"), ip("192.0.2.2"));
        QVERIFY(limiter.retryAfter(QStringLiteral("carol"), ip("192.0.2.1"), t0));
    }

    void forgetsOldEntries()
    {
        LoginRateLimiter limiter(5, 1s);
        const Clock::time_point t0 = Clock::now();
        limiter.recordFailure(QStringLiteral("dave"), ip("192.0.2.1"), t0);
        QCOMPARE(limiter.trackedKeys(), 2); // (dave, address) and the address
        QVERIFY(!limiter.retryAfter(QStringLiteral("dave"), ip("192.0.2.1"), t0 + 2s));
        QCOMPARE(limiter.trackedKeys(), 0);
    }

    void evictionAtTheCapKeepsRecentEntries()
    {
        LoginRateLimiter limiter(2, 600s, 100, 6);
        const Clock::time_point t0 = Clock::now();
        // The victim's block, made first, then refreshed: it is the most recent entry.
        limiter.recordFailure(QStringLiteral("alice"), ip("192.0.2.1"), t0);
        limiter.recordFailure(QStringLiteral("bob"), ip("192.0.2.2"), t0 + 1s);
        limiter.recordFailure(QStringLiteral("alice"), ip("192.0.2.1"), t0 + 2s);
        QCOMPARE(limiter.trackedKeys(), 4);
        // Two more keys fill the table; the next failure pushes out the least recent: bob's.
        limiter.recordFailure(QStringLiteral("carol"), ip("192.0.2.1"), t0 + 3s);
        QCOMPARE(limiter.trackedKeys(), 5);
        limiter.recordFailure(QStringLiteral("mallory"), ip("192.0.2.3"), t0 + 4s);
        QCOMPARE(limiter.trackedKeys(), 6);
        limiter.recordFailure(QStringLiteral("mallory"), ip("192.0.2.3"), t0 + 5s);
        QVERIFY(limiter.trackedKeys() <= 6);
        // Alice's block survived (a reset of all state would have dropped it) ...
        QVERIFY(limiter.retryAfter(QStringLiteral("alice"), ip("192.0.2.1"), t0 + 6s));
        QVERIFY(limiter.retryAfter(QStringLiteral("mallory"), ip("192.0.2.3"), t0 + 6s));
        // ... and a flood of new keys evicts one old key per new one, never everything.
        for (int i = 0; i < 2; ++i)
            limiter.recordFailure(QStringLiteral("x%1").arg(i), ip("192.0.2.3"), t0 + 7s);
        QCOMPARE(limiter.trackedKeys(), 6);
        QVERIFY(limiter.retryAfter(QStringLiteral("mallory"), ip("192.0.2.3"), t0 + 8s));
    }
};

QTEST_GUILESS_MAIN(TestLoginRateLimiter)
#include "tst_loginratelimiter.moc"
