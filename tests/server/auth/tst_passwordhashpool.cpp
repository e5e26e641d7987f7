// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PasswordHashPool: checks run on worker threads and report back on the owner's thread, later;
// the queue bound and the hash budget refuse with a Retry-After; weaker hashes come back
// upgraded; destruction with checks in flight is clean.
#include "auth/passwordhashpool.h"

#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace Sluice::Server;
using namespace std::chrono_literals;

namespace {
constexpr int waitMs = 60000;
const ScryptParameters cheap { 10, 8, 1 };

PasswordHashPool::Options options(int threads, int maxWaiting, int hashesPerSecond,
                                  ScryptParameters parameters = cheap)
{
    return PasswordHashPool::Options { threads, maxWaiting, hashesPerSecond, parameters };
}

// Where and what `done` was called with.
struct Result
{
    bool called = false;
    PasswordHashPool::Outcome outcome;
    QThread *thread = nullptr;
};

PasswordHashPool::Done recordInto(const std::shared_ptr<Result> &result)
{
    return [result](const PasswordHashPool::Outcome &outcome) {
        result->called = true;
        result->outcome = outcome;
        result->thread = QThread::currentThread();
    };
}
} // namespace

class TestPasswordHashPool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void verifiesOnAWorkerAndAnswersOnTheOwnersThread()
    {
        PasswordHashPool pool(options(2, 8, 1000));
        const QByteArray encoded = PasswordHasher::hash("right-password", cheap);
        auto right = std::make_shared<Result>();
        auto wrong = std::make_shared<Result>();
        auto unknown = std::make_shared<Result>();
        QVERIFY(!pool.verify("right-password", encoded, recordInto(right)));
        QVERIFY(!pool.verify("wrong-password", encoded, recordInto(wrong)));
        QVERIFY(!pool.verify("any-password", QByteArray(), recordInto(unknown)));
        // Never from inside verify(): the caller may still be setting things up.
        QVERIFY(!right->called && !wrong->called && !unknown->called);
        QCOMPARE(pool.pending(), 3);
        QTRY_VERIFY_WITH_TIMEOUT(right->called && wrong->called && unknown->called, waitMs);
        QCOMPARE(pool.pending(), 0);
        QVERIFY(right->outcome.verified);
        QVERIFY(!wrong->outcome.verified);
        QVERIFY(!unknown->outcome.verified);
        QCOMPARE(right->thread, QThread::currentThread());
        QCOMPARE(unknown->thread, QThread::currentThread());
        // Already at the pool's cost: nothing to upgrade.
        QVERIFY(right->outcome.upgradedHash.isEmpty());
    }

    void weakerHashComesBackUpgraded()
    {
        const ScryptParameters current { 11, 8, 1 };
        PasswordHashPool pool(options(1, 8, 1000, current));
        const QByteArray weak = PasswordHasher::hash("pw-12345678", cheap);
        auto ok = std::make_shared<Result>();
        auto bad = std::make_shared<Result>();
        QVERIFY(!pool.verify("pw-12345678", weak, recordInto(ok)));
        QVERIFY(!pool.verify("not-the-password", weak, recordInto(bad)));
        QTRY_VERIFY_WITH_TIMEOUT(ok->called && bad->called, waitMs);
        QVERIFY(ok->outcome.verified);
        QVERIFY(ok->outcome.upgradedHash.startsWith("$scrypt$ln=11,r=8,p=1$"));
        QVERIFY(PasswordHasher::verify("pw-12345678", ok->outcome.upgradedHash));
        // Only a verified password is ever hashed again.
        QVERIFY(bad->outcome.upgradedHash.isEmpty());
    }

    void fullQueueIsRefusedWithoutSpendingTheBudget()
    {
        PasswordHashPool pool(options(1, 1, 3));
        auto first = std::make_shared<Result>();
        auto second = std::make_shared<Result>();
        const auto now = PasswordHashPool::Clock::now();
        QVERIFY(!pool.verify("a", QByteArray(), recordInto(first), now)); // running
        QVERIFY(!pool.verify("b", QByteArray(), recordInto(second), now)); // waiting
        // Nothing has come back yet (the event loop has not run): one running, one waiting.
        const auto refused = pool.verify(
            "c", QByteArray(), [](const auto &) {}, now);
        QVERIFY(refused);
        QCOMPARE(refused->reason, PasswordHashPool::Refusal::QueueFull);
        QVERIFY(refused->retryAfter >= 1s);
        QTRY_VERIFY_WITH_TIMEOUT(first->called && second->called, waitMs);
        // The refusal spent no token: the third of three per second is still there.
        auto third = std::make_shared<Result>();
        QVERIFY(!pool.verify("c", QByteArray(), recordInto(third), now));
        QTRY_VERIFY_WITH_TIMEOUT(third->called, waitMs);
    }

    void overBudgetIsRefusedUntilTheBucketRefills()
    {
        PasswordHashPool pool(options(2, 100, 2));
        const auto t0 = PasswordHashPool::Clock::now();
        QVERIFY(!pool.verify(
            "a", QByteArray(), [](const auto &) {}, t0));
        QVERIFY(!pool.verify(
            "b", QByteArray(), [](const auto &) {}, t0));
        const auto refused = pool.verify(
            "c", QByteArray(), [](const auto &) {}, t0);
        QVERIFY(refused);
        QCOMPARE(refused->reason, PasswordHashPool::Refusal::OverBudget);
        QCOMPARE(refused->retryAfter, 1s);
        // Two per second: one more after half a second.
        QVERIFY(!pool.verify(
            "c", QByteArray(), [](const auto &) {}, t0 + 500ms));
        QVERIFY(pool.verify(
            "d", QByteArray(), [](const auto &) {}, t0 + 500ms));
        QTRY_COMPARE_WITH_TIMEOUT(pool.pending(), 0, waitMs);
    }

    void destroyedWithChecksInFlight()
    {
        auto result = std::make_shared<Result>();
        {
            PasswordHashPool pool(options(1, 16, 1000, { 14, 8, 1 }));
            for (int i = 0; i < 4; ++i)
                QVERIFY(!pool.verify("pw", QByteArray(), recordInto(result)));
        }
        // The running check finished inside the destructor, the queued ones never started, and
        // no result is delivered to anyone after the pool is gone.
        QTest::qWait(50);
        QVERIFY(!result->called);
        QCOMPARE(result.use_count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestPasswordHashPool)
#include "tst_passwordhashpool.moc"
