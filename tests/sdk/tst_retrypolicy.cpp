// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/RetryPolicy.h>

#include <QtTest/QTest>

#include <limits>

using namespace std::chrono_literals;
using Sluice::RetryPolicy;
using std::chrono::milliseconds;

class TestRetryPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults()
    {
        const RetryPolicy policy;
        QCOMPARE(policy.initialDelay(), 1000ms);
        QCOMPARE(policy.maxDelay(), 30000ms);
        QCOMPARE(policy.jitterRatio(), 0.5);
        QCOMPARE(policy.resetAfter(), 60000ms);
        QVERIFY(!policy.maxAttempts().has_value());
        QVERIFY(!policy.maxElapsed().has_value());
    }

    void exponentialWithoutJitter_data()
    {
        QTest::addColumn<int>("attempt");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("1") << 1 << qint64(1000);
        QTest::newRow("2") << 2 << qint64(2000);
        QTest::newRow("3") << 3 << qint64(4000);
        QTest::newRow("4") << 4 << qint64(8000);
        QTest::newRow("5") << 5 << qint64(16000);
        QTest::newRow("6 capped") << 6 << qint64(30000);
        QTest::newRow("7 capped") << 7 << qint64(30000);
        QTest::newRow("0 treated as 1") << 0 << qint64(1000);
        QTest::newRow("negative treated as 1") << -5 << qint64(1000);
    }

    void exponentialWithoutJitter()
    {
        QFETCH(int, attempt);
        QFETCH(qint64, expected);
        const RetryPolicy policy;
        QCOMPARE(policy.delayFor(attempt, 0.0).count(), expected);
    }

    void overflowSafeForHugeAttempts()
    {
        RetryPolicy policy;
        policy.setInitialDelay(milliseconds(std::numeric_limits<qint32>::max()));
        policy.setMaxDelay(milliseconds(std::numeric_limits<qint32>::max()));
        for (int attempt : { 31, 32, 63, 64, 65, 1000, 100000, std::numeric_limits<int>::max() }) {
            const auto delay = policy.delayFor(attempt, 0.0);
            QCOMPARE(delay, policy.maxDelay());
        }
        const RetryPolicy defaults;
        QCOMPARE(defaults.delayFor(std::numeric_limits<int>::max(), 0.0), 30000ms);
        QCOMPARE(defaults.delayFor(std::numeric_limits<int>::max(), 0.999), 15015ms);
    }

    void jitterBounds()
    {
        RetryPolicy policy; // jitter 0.5
        for (int attempt = 1; attempt <= 10; ++attempt) {
            const auto base = policy.delayFor(attempt, 0.0);
            for (double r : { 0.0, 0.1, 0.25, 0.5, 0.75, 0.9999 }) {
                const auto delay = policy.delayFor(attempt, r);
                QVERIFY2(delay <= base, qPrintable(QString::number(delay.count())));
                QVERIFY2(delay.count() >= base.count() / 2,
                         qPrintable(QString::number(delay.count())));
            }
        }
        QCOMPARE(policy.delayFor(1, 0.5), 750ms);
        QCOMPARE(policy.delayFor(2, 0.5), 1500ms);
        // Out-of-range random values are clamped to [0, 1].
        QCOMPARE(policy.delayFor(1, -3.0), 1000ms);
        QCOMPARE(policy.delayFor(1, 7.0), 500ms);

        policy.setJitterRatio(1.0);
        QCOMPARE(policy.delayFor(1, 0.5), 500ms);
        QCOMPARE(policy.delayFor(3, 1.0), 0ms);
        policy.setJitterRatio(0.0);
        QCOMPARE(policy.delayFor(3, 0.9), 4000ms);
    }

    void settersClamp()
    {
        RetryPolicy policy;
        policy.setJitterRatio(2.0);
        QCOMPARE(policy.jitterRatio(), 1.0);
        policy.setJitterRatio(-1.0);
        QCOMPARE(policy.jitterRatio(), 0.0);
        policy.setInitialDelay(-5ms);
        QCOMPARE(policy.initialDelay(), 0ms);
        policy.setMaxDelay(-5ms);
        QCOMPARE(policy.maxDelay(), 0ms);
        QCOMPARE(policy.delayFor(3, 0.0), 0ms);
        policy.setMaxAttempts(0);
        QCOMPARE(policy.maxAttempts(), std::optional<int>(1));
        policy.setMaxAttempts(std::nullopt);
        QVERIFY(!policy.maxAttempts().has_value());
        policy.setMaxElapsed(-1ms);
        QCOMPARE(policy.maxElapsed(), std::optional<milliseconds>(0ms));
        policy.setResetAfter(-1ms);
        QCOMPARE(policy.resetAfter(), 0ms);
    }

    void retryFieldOverridesInitialDelay()
    {
        RetryPolicy policy;
        policy.setJitterRatio(0.0);
        QCOMPARE(policy.delayFor(1, 0.0, 50ms), 50ms);
        QCOMPARE(policy.delayFor(2, 0.0, 50ms), 100ms);
        QCOMPARE(policy.delayFor(4, 0.0, 50ms), 400ms);
        // Still capped by maxDelay.
        QCOMPARE(policy.delayFor(1, 0.0, 60000ms), 30000ms);
        QCOMPARE(policy.delayFor(1, 0.0, 0ms), 0ms);
        // The policy's own initial delay is untouched.
        QCOMPARE(policy.delayFor(1, 0.0), 1000ms);
    }

    void valueSemantics()
    {
        RetryPolicy a;
        a.setInitialDelay(50ms);
        a.setMaxAttempts(3);
        RetryPolicy b = a;
        b.setInitialDelay(70ms);
        QCOMPARE(a.initialDelay(), 50ms);
        QCOMPARE(b.initialDelay(), 70ms);
        QCOMPARE(b.maxAttempts(), std::optional<int>(3));
        RetryPolicy c = std::move(b);
        QCOMPARE(c.initialDelay(), 70ms);
        b = a; // a moved-from policy can be assigned to
        QCOMPARE(b.initialDelay(), 50ms);
    }
};

QTEST_APPLESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
