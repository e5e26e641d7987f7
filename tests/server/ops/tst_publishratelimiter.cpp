// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// TokenBucket and PublishRateLimiter with a driven clock: bursts, refill, Retry-After rounding,
// independence of prompts, "off" at rate 0, idle buckets dropped, and memory bounded when every
// bucket is busy.
#include "metrics/metrics.h"
#include "ops/publishratelimiter.h"
#include "ops/tokenbucket.h"

#include <QtTest/QtTest>

using namespace Sluice::Server;
using namespace std::chrono_literals;

class TestPublishRateLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bucketBurstsAndRefills()
    {
        const auto t0 = TokenBucket::Clock::time_point() + 1h;
        TokenBucket bucket(4, 2, t0); // 4/s, bursts of 2
        QVERIFY(!bucket.take(t0));
        QVERIFY(!bucket.take(t0));
        const auto wait = bucket.take(t0);
        QVERIFY(wait);
        QCOMPARE(*wait, 250ms);
        QVERIFY(!bucket.isFull(t0));
        QVERIFY(!bucket.take(t0 + 250ms)); // one token back after 1/4 s
        QVERIFY(bucket.take(t0 + 250ms));
        QVERIFY(bucket.isFull(t0 + 10s)); // refills up to the burst, not beyond
        QVERIFY(!bucket.take(t0 + 10s));
        QVERIFY(!bucket.take(t0 + 10s));
        QVERIFY(bucket.take(t0 + 10s));
        // A clock that steps back mints nothing.
        QVERIFY(bucket.take(t0));
    }

    void limiterRefusesOverTheRateWithRetryAfter()
    {
        Metrics metrics;
        PublishRateLimiter limiter(2, 3, 1000, &metrics);
        const auto t0 = PublishRateLimiter::Clock::now();
        for (int i = 0; i < 3; ++i)
            QVERIFY(!limiter.admit(QStringLiteral("p"), t0));
        const auto retryAfter = limiter.admit(QStringLiteral("p"), t0);
        QVERIFY(retryAfter);
        QCOMPARE(*retryAfter, 1s); // 0.5 s rounded up to whole seconds
        QCOMPARE(metrics.value("sluice_publish_rate_limited_total"), 1.0);
        // Other prompts have their own bucket.
        QVERIFY(!limiter.admit(QStringLiteral("q"), t0));
        // Waiting the Retry-After is enough.
        QVERIFY(!limiter.admit(QStringLiteral("p"), t0 + *retryAfter));
    }

    void rateZeroIsOff()
    {
        PublishRateLimiter limiter(0, 1);
        const auto t0 = PublishRateLimiter::Clock::now();
        for (int i = 0; i < 10000; ++i)
            QVERIFY(!limiter.admit(QStringLiteral("p"), t0));
        QCOMPARE(limiter.trackedPrompts(), 0);
    }

    void idleBucketsAreDropped()
    {
        PublishRateLimiter limiter(10, 10);
        const auto t0 = PublishRateLimiter::Clock::now();
        for (int i = 0; i < 500; ++i)
            QVERIFY(!limiter.admit(QString::number(i), t0));
        QCOMPARE(limiter.trackedPrompts(), 500);
        // A minute later every bucket has refilled: the sweep drops them all.
        QVERIFY(!limiter.admit(QStringLiteral("new"), t0 + 61s));
        QCOMPARE(limiter.trackedPrompts(), 1);
    }

    void memoryIsBoundedWhenEveryBucketIsBusy()
    {
        PublishRateLimiter limiter(1, 5, 10);
        const auto t0 = PublishRateLimiter::Clock::now();
        for (int i = 0; i < 1000; ++i) {
            QVERIFY(!limiter.admit(QString::number(i), t0 + std::chrono::milliseconds(i)));
            QVERIFY(limiter.trackedPrompts() <= 10);
        }
        // Still limiting the prompts it tracks.
        const QString busy = QString::number(999);
        for (int i = 0; i < 4; ++i)
            QVERIFY(!limiter.admit(busy, t0 + 1s));
        QVERIFY(limiter.admit(busy, t0 + 1s));
    }
};

QTEST_GUILESS_MAIN(TestPublishRateLimiter)
#include "tst_publishratelimiter.moc"
