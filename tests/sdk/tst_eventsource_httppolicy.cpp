// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// EventSource's HTTP rules as pure functions (sdk/src/transport/httppolicy.cpp, compiled in).
#include "transport/httppolicy_p.h"

#include <QtTest/QTest>

using namespace std::chrono_literals;
using namespace Sluice::HttpPolicy;

class TestEventSourceHttpPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void statusActions()
    {
        QCOMPARE(actionForStatus(200), StatusAction::Open);
        QCOMPARE(actionForStatus(204), StatusAction::CloseForGood);
        for (int s : { 301, 302, 303, 307, 308 })
            QCOMPARE(actionForStatus(s), StatusAction::Redirect);
        for (int s : { 408, 429, 500, 502, 503, 504, 599 })
            QCOMPARE(actionForStatus(s), StatusAction::Retry);
        for (int s : { 201, 206, 300, 304, 400, 404, 410, 600 })
            QCOMPARE(actionForStatus(s), StatusAction::Fail);
        for (int s : { 401, 403 })
            QCOMPARE(actionForStatus(s), StatusAction::AuthFailure);
    }

    void eventStreamContentType()
    {
        QVERIFY(isEventStream("text/event-stream"));
        QVERIFY(isEventStream("Text/Event-Stream"));
        QVERIFY(isEventStream(" text/event-stream ; charset=utf-8"));
        QVERIFY(!isEventStream(""));
        QVERIFY(!isEventStream("text/plain"));
        QVERIFY(!isEventStream("text/event-streams"));
        QVERIFY(!isEventStream("application/json; x=text/event-stream"));
    }

    void retryAfter()
    {
        const QDateTime now(QDate(2026, 11, 27), QTime(18, 0, 0), Qt::UTC);
        QCOMPARE(parseRetryAfter("1", now), std::optional(1000ms));
        QCOMPARE(parseRetryAfter(" 120 ", now), std::optional(120000ms));
        QCOMPARE(parseRetryAfter("0", now), std::optional(0ms));
        QVERIFY(!parseRetryAfter("", now));
        QVERIFY(!parseRetryAfter("-1", now));
        QVERIFY(!parseRetryAfter("1.5", now));
        QVERIFY(!parseRetryAfter("soon", now));
        // Huge values saturate instead of overflowing.
        const auto huge = parseRetryAfter("99999999999999999999999", now);
        QVERIFY(huge && *huge > 24h * 365);
        // HTTP-date: IMF-fixdate, RFC 850, asctime.
        QCOMPARE(parseRetryAfter("Fri, 27 Nov 2026 18:00:30 GMT", now), std::optional(30000ms));
        QCOMPARE(parseRetryAfter("Friday, 27-Nov-26 18:01:00 GMT", now), std::optional(60000ms));
        QCOMPARE(parseRetryAfter("Fri Nov 27 18:00:02 2026", now), std::optional(2000ms));
        // A date in the past means "now".
        QCOMPARE(parseRetryAfter("Thu, 26 Nov 2026 18:00:00 GMT", now), std::optional(0ms));
    }

    void redirectMethods()
    {
        bool keeps = false;
        QCOMPARE(methodAfterRedirect(303, "POST", &keeps), QByteArray("GET"));
        QVERIFY(!keeps);
        QCOMPARE(methodAfterRedirect(303, "HEAD", &keeps), QByteArray("HEAD"));
        QCOMPARE(methodAfterRedirect(301, "POST", &keeps), QByteArray("GET"));
        QVERIFY(!keeps);
        QCOMPARE(methodAfterRedirect(302, "PUT", &keeps), QByteArray("PUT"));
        QVERIFY(keeps);
        QCOMPARE(methodAfterRedirect(307, "POST", &keeps), QByteArray("POST"));
        QVERIFY(keeps);
        QCOMPARE(methodAfterRedirect(308, "POST", &keeps), QByteArray("POST"));
        QVERIFY(keeps);
    }

    void origins()
    {
        QCOMPARE(serializeOrigin(QUrl(QStringLiteral("http://127.0.0.1:8080/a?b#c"))),
                 QStringLiteral("http://127.0.0.1:8080"));
        QCOMPARE(serializeOrigin(QUrl(QStringLiteral("HTTPS://Example.COM:443/x"))),
                 QStringLiteral("https://example.com"));
        QCOMPARE(serializeOrigin(QUrl(QStringLiteral("http://example.com:80"))),
                 QStringLiteral("http://example.com"));
        QCOMPARE(serializeOrigin(QUrl(QStringLiteral("http://[::1]:9/s"))),
                 QStringLiteral("http://[::1]:9"));
        QVERIFY(sameOrigin(QUrl(QStringLiteral("http://a.test/x")),
                           QUrl(QStringLiteral("http://a.test:80/y"))));
        QVERIFY(!sameOrigin(QUrl(QStringLiteral("http://a.test/x")),
                            QUrl(QStringLiteral("https://a.test/x"))));
        QVERIFY(!sameOrigin(QUrl(QStringLiteral("http://127.0.0.1:1/")),
                            QUrl(QStringLiteral("http://localhost:1/"))));
    }
};

QTEST_APPLESS_MAIN(TestEventSourceHttpPolicy)
#include "tst_eventsource_httppolicy.moc"
