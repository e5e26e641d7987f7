// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The request log: exactly one line per request (method, path, status, duration, client address)
// on sluice.server.http, token-like query values redacted, Authorization never logged.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QRegularExpression>
#include <QtTest/QtTest>

using namespace Sluice::Test;

namespace {
constexpr int waitMs = 30000;

QStringList linesContaining(const QString &log, const QString &needle)
{
    QStringList result;
    const QStringList lines = log.split(u'\n');
    for (const QString &line : lines) {
        if (line.contains(needle))
            result.append(line);
    }
    return result;
}
} // namespace

class TestRequestLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void oneLinePerRequestWithSecretsRedacted_data();
    void oneLinePerRequestWithSecretsRedacted();
    void authorizationHeaderIsNeverLogged();

private:
    ServerProcess m_server;
    int m_marker = 0;
};

void TestRequestLog::initTestCase()
{
    QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
}

void TestRequestLog::oneLinePerRequestWithSecretsRedacted_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("pathAndQuery"); // %1: a unique marker
    QTest::addColumn<int>("status");
    QTest::addColumn<QStringList>("secrets");
    QTest::addColumn<QStringList>("expected"); // fragments of the logged target

    QTest::newRow("stream_token")
        << QByteArray("GET")
        << QStringLiteral("/api/claude-code/sessions/s1/prompts/p1/stream"
                          "?stream_token=eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXN0cmVhbQ.c2ln&"
                          "last_event_id=42&m=%1")
        << 401 << QStringList { QStringLiteral("eyJhbGciOiJIUzI1NiJ9"), QStringLiteral("c2ln") }
        << QStringList { QStringLiteral("stream_token=REDACTED"),
                         QStringLiteral("last_event_id=42") };
    QTest::newRow("access_token and token")
        << QByteArray("GET")
        << QStringLiteral("/healthz?access_token=SECRET-ACCESS-1&token=SECRET-TOKEN-2&m=%1") << 200
        << QStringList { QStringLiteral("SECRET-ACCESS-1"), QStringLiteral("SECRET-TOKEN-2") }
        << QStringList { QStringLiteral("access_token=REDACTED"),
                         QStringLiteral("token=REDACTED") };
    QTest::newRow("percent-encoded key")
        << QByteArray("GET") << QStringLiteral("/healthz?stream%5Ftoken=SECRET-ENC-3&m=%1") << 200
        << QStringList { QStringLiteral("SECRET-ENC-3") }
        << QStringList { QStringLiteral("token=REDACTED") };
    QTest::newRow("refresh_token, password")
        << QByteArray("POST")
        << QStringLiteral(
               "/api/claude-code/sessions?refresh_token=SECRET-R-4&password=hunter22&m=%1")
        << 401 << QStringList { QStringLiteral("SECRET-R-4"), QStringLiteral("hunter22") }
        << QStringList { QStringLiteral("refresh_token=REDACTED"),
                         QStringLiteral("password=REDACTED") };
    QTest::newRow("405") << QByteArray("DELETE") << QStringLiteral("/healthz?m=%1") << 405
                         << QStringList {} << QStringList { QStringLiteral("/healthz") };
    QTest::newRow("preflight") << QByteArray("OPTIONS") << QStringLiteral("/healthz?m=%1") << 204
                               << QStringList {} << QStringList { QStringLiteral("/healthz") };
}

void TestRequestLog::oneLinePerRequestWithSecretsRedacted()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, pathAndQuery);
    QFETCH(int, status);
    QFETCH(QStringList, secrets);
    QFETCH(QStringList, expected);

    const QString marker = QStringLiteral("mark%1x").arg(++m_marker);
    HttpClient http(m_server.baseUrl());
    Headers headers;
    if (method == "OPTIONS") {
        headers = { { "Origin", "https://x.example" }, { "Access-Control-Request-Method", "GET" } };
    }
    const HttpResponse reply = http.request(method, pathAndQuery.arg(marker), {}, headers);
    QCOMPARE(reply.status, status);

    const QString needle = u"m=" + marker;
    QTRY_VERIFY_WITH_TIMEOUT(!linesContaining(m_server.logOutput(), needle).isEmpty(), waitMs);
    // A later request flushes anything that might still be pending for this one.
    QCOMPARE(http.get(QStringLiteral("/healthz?flush=") + marker).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(m_server.logOutput().contains(QStringLiteral("flush=") + marker),
                             waitMs);

    const QString log = m_server.logOutput();
    const QStringList lines = linesContaining(log, needle);
    QCOMPARE(lines.size(), 1);
    const QString line = lines.constFirst();
    static const QRegularExpression shape(QStringLiteral(
        " info sluice\\.server\\.http: ([A-Z]+) (\\S+) (\\d{3}) (\\d+)ms 127\\.0\\.0\\.1$"));
    const auto match = shape.match(line);
    QVERIFY2(match.hasMatch(), qPrintable(line));
    QCOMPARE(match.captured(1), QString::fromLatin1(method));
    QCOMPARE(match.captured(3).toInt(), status);
    for (const QString &fragment : expected)
        QVERIFY2(match.captured(2).contains(fragment), qPrintable(line));
    for (const QString &secret : secrets)
        QVERIFY2(!log.contains(secret), qPrintable(secret));
}

void TestRequestLog::authorizationHeaderIsNeverLogged()
{
    HttpClient http(m_server.baseUrl());
    const QByteArray token = "eyJhbGciOiJIUzI1NiJ9.Tk9UQVJFQUxUT0tFTg.c2lnbmF0dXJlLXNlY3JldA";
    const HttpResponse reply
        = http.get(QStringLiteral("/api/claude-code/sessions?m=authz"), HttpClient::bearer(token));
    QCOMPARE(reply.status, 401);
    QTRY_VERIFY_WITH_TIMEOUT(m_server.logOutput().contains(QLatin1String("m=authz")), waitMs);
    const QString log = m_server.logOutput();
    QVERIFY(!log.contains(QLatin1String("Tk9UQVJFQUxUT0tFTg")));
    QVERIFY(!log.contains(QLatin1String("c2lnbmF0dXJlLXNlY3JldA")));
}

QTEST_GUILESS_MAIN(TestRequestLog)
#include "tst_requestlog.moc"
