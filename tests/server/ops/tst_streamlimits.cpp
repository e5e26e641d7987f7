// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// StreamLimits: per-user cap → 429 RATE_LIMITED, total cap → 503 SERVICE_UNAVAILABLE, both with
// Retry-After and JSON error; release() frees the slot; refusals are counted in metrics.
#include "metrics/metrics.h"
#include "ops/streamlimits.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QtTest>

using namespace Sluice::Server;
using namespace std::chrono_literals;

class TestStreamLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void perUserCap();
    void totalCap();
    void rejectionReply();
    void releaseOfUnknownUserIsHarmless();
};

void TestStreamLimits::perUserCap()
{
    Metrics metrics;
    StreamLimits limits(2, 10, 5s, &metrics);
    const QString alice = QStringLiteral("alice");
    const QString bob = QStringLiteral("bob");
    QVERIFY(!limits.tryAcquire(alice));
    QVERIFY(!limits.tryAcquire(alice));
    const auto refused = limits.tryAcquire(alice);
    QVERIFY(refused);
    QCOMPARE(refused->httpStatus(), 429);
    QCOMPARE(refused->code, QByteArray("RATE_LIMITED"));
    QCOMPARE(limits.openStreams(alice), 2);
    QVERIFY(!limits.tryAcquire(bob)); // another user is not affected
    QCOMPARE(limits.openStreams(), 3);
    limits.release(alice);
    QVERIFY(!limits.tryAcquire(alice));
    QCOMPARE(metrics.value("sluice_stream_rejections_total", { { "reason", "user_cap" } }), 1.0);
}

void TestStreamLimits::totalCap()
{
    Metrics metrics;
    StreamLimits limits(5, 3, 7s, &metrics);
    for (const char *user : { "a", "b", "c" })
        QVERIFY(!limits.tryAcquire(QString::fromLatin1(user)));
    const auto refused = limits.tryAcquire(QStringLiteral("d"));
    QVERIFY(refused);
    QCOMPARE(refused->httpStatus(), 503);
    QCOMPARE(refused->code, QByteArray("SERVICE_UNAVAILABLE"));
    QCOMPARE(refused->retryAfter, 7s);
    QCOMPARE(limits.openStreams(), 3);
    limits.release(QStringLiteral("b"));
    QVERIFY(!limits.tryAcquire(QStringLiteral("d")));
    QCOMPARE(metrics.value("sluice_stream_rejections_total", { { "reason", "total_cap" } }), 1.0);
}

void TestStreamLimits::rejectionReply()
{
    StreamLimits limits(1, 10, 9s);
    QVERIFY(!limits.tryAcquire(QStringLiteral("u")));
    const auto refused = limits.tryAcquire(QStringLiteral("u"));
    QVERIFY(refused);
    const QHttpServerResponse reply = refused->response();
    QCOMPARE(int(reply.statusCode()), 429);
    QCOMPARE(reply.headers(QByteArrayLiteral("Retry-After")), QList<QByteArray> { "9" });
    const QJsonObject body = QJsonDocument::fromJson(reply.data()).object();
    QCOMPARE(body.value(QLatin1String("code")).toString(), QStringLiteral("RATE_LIMITED"));
    QVERIFY(!body.value(QLatin1String("error")).toString().isEmpty());
}

void TestStreamLimits::releaseOfUnknownUserIsHarmless()
{
    StreamLimits limits(1, 1, 1s);
    QTest::ignoreMessage(QtWarningMsg, "stream slot released twice or never taken");
    limits.release(QStringLiteral("nobody"));
    QCOMPARE(limits.openStreams(), 0);
    QVERIFY(!limits.tryAcquire(QStringLiteral("x")));
}

QTEST_GUILESS_MAIN(TestStreamLimits)
#include "tst_streamlimits.moc"
