// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The one redaction rule the SDK, sluice-stream and the server's request log share.
#include "common/redaction.h"

#include <QtTest/QTest>

using namespace Sluice::Common;

class TestRedaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void urls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("expected");
        QTest::newRow("stream token") << QStringLiteral("http://h:1/s?stream_token=abc.def&x=1")
                                      << QStringLiteral("http://h:1/s?stream_token=REDACTED&x=1");
        QTest::newRow("access_token and api key")
            << QStringLiteral("https://h/s?access_token=a&apiKey=b&last_event_id=4")
            << QStringLiteral("https://h/s?access_token=REDACTED&apiKey=REDACTED&last_event_id=4");
        QTest::newRow("password, secret, signature, code, session, jwt")
            << QStringLiteral(
                   "https://h/s?passwd=1&client_secret=2&sig=3&code=4&sessionKey=5&jwt=6")
            << QStringLiteral("https://h/s?passwd=REDACTED&client_secret=REDACTED&sig=REDACTED"
                              "&code=REDACTED&sessionKey=REDACTED&jwt=REDACTED");
        QTest::newRow("percent-encoded name") << QStringLiteral("http://h/s?stream%5Ftoken=x")
                                              << QStringLiteral("http://h/s?stream_token=REDACTED");
        QTest::newRow("name without value")
            << QStringLiteral("http://h/s?token") << QStringLiteral("http://h/s?token=REDACTED");
        QTest::newRow("user info and fragment")
            << QStringLiteral("http://user:pw@h/s#frag") << QStringLiteral("http://h/s");
        QTest::newRow("nothing to hide") << QStringLiteral("http://h/s?a=1&last_event_id=7")
                                         << QStringLiteral("http://h/s?a=1&last_event_id=7");
    }
    void urls()
    {
        QFETCH(QString, url);
        QFETCH(QString, expected);
        QCOMPARE(redactedUrl(QUrl(url)), expected);
    }

    void targets()
    {
        QCOMPARE(redactedTarget(QUrl(QStringLiteral("http://h/p/stream?stream_token=S&x=1"))),
                 QStringLiteral("/p/stream?stream_token=REDACTED&x=1"));
        QCOMPARE(redactedTarget(QUrl(QStringLiteral("http://h"))), QStringLiteral("/"));
        QVERIFY(!redactedTarget(QUrl(QStringLiteral("http://h/?refresh_token=SECRET")))
                     .contains(u"SECRET"));
    }
};

QTEST_APPLESS_MAIN(TestRedaction)
#include "tst_redaction.moc"
