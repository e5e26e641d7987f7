// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The CORS matrix against the real server: allowed origin, another origin, "null", no Origin,
// preflights, and error replies (401, 404, 405, 413, 400) — every response carries Vary: Origin,
// allowed origins are echoed exactly with credentials, nothing else ever gets an allow header,
// and "*" never appears.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtTest/QtTest>

using namespace Sluice::Test;

namespace {
const QByteArray allowedOrigin = "http://app.example:5173";
const QByteArray secondAllowedOrigin = "https://second.example";
} // namespace

class TestCors : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void responses_data();
    void responses();
    void preflight_data();
    void preflight();
    void startupRefusesWildcard();

private:
    ServerProcess m_server;
    QByteArray m_token;
};

void TestCors::initTestCase()
{
    QVERIFY2(m_server.addUser(QStringLiteral("alice"), QStringLiteral("correct horse battery")),
             qPrintable(m_server.errorString()));
    QVERIFY2(m_server.start({ QStringLiteral("--cors-origins"),
                              QString::fromLatin1(allowedOrigin + ',' + secondAllowedOrigin),
                              QStringLiteral("--max-body-bytes"), QStringLiteral("2048") }),
             qPrintable(m_server.errorString()));
    HttpClient http(m_server.baseUrl());
    m_token = http.login(QStringLiteral("alice"), QStringLiteral("correct horse battery"));
    QVERIFY(!m_token.isEmpty());
}

void TestCors::responses_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("withToken");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("origin"); // empty: no Origin header
    QTest::addColumn<bool>("allowed");

    struct Case
    {
        const char *name;
        QByteArray method;
        QString path;
        QByteArray body;
        bool withToken;
        int status;
    };
    const QList<Case> cases {
        { "200 healthz", "GET", QStringLiteral("/healthz"), {}, false, 200 },
        { "200 sessions", "GET", QStringLiteral("/api/claude-code/sessions"), {}, true, 200 },
        { "201 create", "POST", QStringLiteral("/api/claude-code/sessions"), "{\"title\":\"c\"}",
          true, 201 },
        { "400 bad json", "POST", QStringLiteral("/api/claude-code/sessions"), "{", true, 400 },
        { "401 no token", "GET", QStringLiteral("/api/claude-code/sessions"), {}, false, 401 },
        { "404 unknown path", "GET", QStringLiteral("/no/such/path"), {}, false, 404 },
        { "404 unknown id",
          "GET",
          QStringLiteral("/api/claude-code/sessions/nope"),
          {},
          true,
          404 },
        { "405 wrong method",
          "DELETE",
          QStringLiteral("/api/claude-code/sessions"),
          {},
          true,
          405 },
        { "413 too large", "POST", QStringLiteral("/api/claude-code/sessions"),
          "{\"title\":\"" + QByteArray(4096, 'x') + "\"}", true, 413 },
    };
    const QList<QPair<const char *, QPair<QByteArray, bool>>> origins {
        { "allowed", { allowedOrigin, true } },
        { "second allowed", { secondAllowedOrigin, true } },
        { "other", { "https://evil.example", false } },
        { "other port", { "http://app.example:5174", false } },
        { "trailing slash", { allowedOrigin + '/', false } },
        { "null", { "null", false } },
        { "none", { QByteArray(), false } },
    };
    for (const Case &c : cases) {
        for (const auto &origin : origins) {
            QTest::addRow("%s, %s origin", c.name, origin.first)
                << c.method << c.path << c.body << c.withToken << c.status << origin.second.first
                << origin.second.second;
        }
    }
}

void TestCors::responses()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(bool, withToken);
    QFETCH(int, status);
    QFETCH(QByteArray, origin);
    QFETCH(bool, allowed);

    Headers headers;
    if (!origin.isEmpty())
        headers.append(qMakePair(QByteArray("Origin"), origin));
    if (withToken)
        headers = HttpClient::bearer(m_token, headers);
    if (!body.isEmpty())
        headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    HttpClient http(m_server.baseUrl());
    const HttpResponse reply = http.request(method, path, body, headers);

    QCOMPARE(reply.status, status);
    QVERIFY2(reply.header("Vary").contains("Origin"), reply.header("Vary").constData());
    QVERIFY(!reply.header("Access-Control-Allow-Origin").contains('*'));
    if (allowed) {
        QCOMPARE(reply.header("Access-Control-Allow-Origin"), origin);
        QCOMPARE(reply.header("Access-Control-Allow-Credentials"), QByteArray("true"));
    } else {
        QVERIFY(!reply.hasHeader("Access-Control-Allow-Origin"));
        QVERIFY(!reply.hasHeader("Access-Control-Allow-Credentials"));
        QVERIFY(!reply.hasHeader("Access-Control-Expose-Headers"));
    }
    // Only preflights carry the preflight headers.
    QVERIFY(!reply.hasHeader("Access-Control-Allow-Methods"));
    if (status >= 400) {
        QVERIFY2(!reply.errorCode().isEmpty(), reply.body.constData());
        QVERIFY(reply.object().value(QLatin1String("error")).isString());
    }
}

void TestCors::preflight_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<QByteArray>("requestHeaders");
    QTest::addColumn<bool>("allowed");

    const QString sessions = QStringLiteral("/api/claude-code/sessions");
    QTest::newRow("allowed, Authorization")
        << sessions << allowedOrigin << QByteArray("authorization") << true;
    QTest::newRow("allowed, Authorization + Content-Type")
        << sessions << allowedOrigin << QByteArray("authorization,content-type") << true;
    QTest::newRow("allowed, Last-Event-ID on a stream-like path")
        << QStringLiteral("/api/claude-code/sessions/s/prompts/p/stream") << allowedOrigin
        << QByteArray("last-event-id,cache-control") << true;
    QTest::newRow("other origin") << sessions << QByteArray("https://evil.example")
                                  << QByteArray("authorization") << false;
    QTest::newRow("null origin") << sessions << QByteArray("null") << QByteArray("authorization")
                                 << false;
    QTest::newRow("login, allowed")
        << QStringLiteral("/api/auth/login") << allowedOrigin << QByteArray("content-type") << true;
}

void TestCors::preflight()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, requestHeaders);
    QFETCH(bool, allowed);

    HttpClient http(m_server.baseUrl());
    const HttpResponse reply
        = http.request("OPTIONS", path, {},
                       { { "Origin", origin },
                         { "Access-Control-Request-Method", "POST" },
                         { "Access-Control-Request-Headers", requestHeaders } });
    QCOMPARE(reply.status, 204);
    QVERIFY(reply.header("Vary").contains("Origin"));
    if (!allowed) {
        QVERIFY(!reply.hasHeader("Access-Control-Allow-Origin"));
        QVERIFY(!reply.hasHeader("Access-Control-Allow-Credentials"));
        QVERIFY(!reply.hasHeader("Access-Control-Allow-Methods"));
        QVERIFY(!reply.hasHeader("Access-Control-Allow-Headers"));
        return;
    }
    QCOMPARE(reply.header("Access-Control-Allow-Origin"), origin);
    QCOMPARE(reply.header("Access-Control-Allow-Credentials"), QByteArray("true"));
    QCOMPARE(reply.header("Access-Control-Allow-Methods"), QByteArray("GET, POST, OPTIONS"));
    QCOMPARE(reply.header("Access-Control-Allow-Headers"),
             QByteArray("Authorization, Content-Type, Last-Event-ID, Cache-Control"));
    QCOMPARE(reply.header("Access-Control-Max-Age"), QByteArray("600"));
    // Every requested header is covered explicitly (with credentials "*" would be literal).
    const QByteArray allowedHeaders = reply.header("Access-Control-Allow-Headers").toLower();
    for (const QByteArray &requested : requestHeaders.split(','))
        QVERIFY2(allowedHeaders.contains(requested.trimmed()), requested.constData());
}

void TestCors::startupRefusesWildcard()
{
    const auto result = ServerProcess::run({ QStringLiteral("--cors-origins"),
                                             QStringLiteral("https://a.example,*"),
                                             QStringLiteral("--print-routes") });
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.stdErr.contains(QLatin1String("\"*\" is not allowed")),
             qPrintable(result.stdErr));
}

QTEST_GUILESS_MAIN(TestCors)
#include "tst_cors.moc"
