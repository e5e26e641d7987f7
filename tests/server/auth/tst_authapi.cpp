// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Integration: /api/auth/login, /refresh, /logout against the real sluice-server binary —
// rotation, reuse detection, logout, rate limiting, uniform failures, bad input, cookie mode, and
// no secret in the server's log during the whole suite.
#include "support/httpclient.h"
#include "support/serverprocess.h"
#include "tokencraft.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtTest/QTest>

using namespace Sluice::Test;

namespace {

const QString loginPath = QStringLiteral("/api/auth/login");
const QString refreshPath = QStringLiteral("/api/auth/refresh");
const QString logoutPath = QStringLiteral("/api/auth/logout");
const QString sessionsPath = QStringLiteral("/api/claude-code/sessions");

const Headers jsonType { { QByteArrayLiteral("Content-Type"),
                           QByteArrayLiteral("application/json") } };

QJsonObject credentials(const QString &user, const QString &password)
{
    return { { QStringLiteral("username"), user }, { QStringLiteral("password"), password } };
}

} // namespace

class TestAuthApi : public QObject
{
    Q_OBJECT

private:
    ServerProcess m_server;
    std::unique_ptr<HttpClient> m_http;
    QStringList m_secrets; // every password and token seen: must never appear in the log
    const QString m_alicePassword
        = QStringLiteral("alice-Pa55word-%1").arg(QDateTime::currentMSecsSinceEpoch());
    const QString m_bobPassword = QStringLiteral("bob-Pa55word-secret");

    HttpResponse login(const QString &user, const QString &password)
    {
        HttpResponse r = m_http->postJson(loginPath, credentials(user, password));
        remember(r);
        return r;
    }
    HttpResponse refresh(const QString &token)
    {
        HttpResponse r
            = m_http->postJson(refreshPath, { { QStringLiteral("refreshToken"), token } });
        remember(r);
        return r;
    }
    void remember(const HttpResponse &r)
    {
        for (const char *field : { "accessToken", "refreshToken" }) {
            const QString value = r.object().value(QLatin1String(field)).toString();
            if (!value.isEmpty())
                m_secrets.append(value);
        }
    }
    static QByteArray access(const HttpResponse &r)
    {
        return r.object().value(QStringLiteral("accessToken")).toString().toLatin1();
    }
    static QString refreshOf(const HttpResponse &r)
    {
        return r.object().value(QStringLiteral("refreshToken")).toString();
    }
    int sessionsStatus(const QByteArray &accessToken)
    {
        return m_http->get(sessionsPath, HttpClient::bearer(accessToken)).status;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_secrets << m_alicePassword << m_bobPassword;
        // Verbose logging, so the no-secret check covers debug output too. A generous failure
        // budget keeps this suite's deliberate failures from tripping the limiter (tested below).
        QVERIFY2(m_server.start({ QStringLiteral("--log-level"), QStringLiteral("debug"),
                                  QStringLiteral("--login-max-failures"), QStringLiteral("100") }),
                 qPrintable(m_server.errorString()));
        QVERIFY2(m_server.addUser(QStringLiteral("alice"), m_alicePassword),
                 qPrintable(m_server.errorString()));
        QVERIFY2(m_server.addUser(QStringLiteral("bob"), m_bobPassword),
                 qPrintable(m_server.errorString()));
        m_http = std::make_unique<HttpClient>(m_server.baseUrl());
    }

    void loginReturnsATokenPair()
    {
        const HttpResponse r = login(QStringLiteral("alice"), m_alicePassword);
        QCOMPARE(r.status, 200);
        const QJsonObject body = r.object();
        QCOMPARE(body.value(QStringLiteral("tokenType")).toString(), QStringLiteral("Bearer"));
        QCOMPARE(body.value(QStringLiteral("expiresIn")).toInt(), 900);
        QCOMPARE(body.value(QStringLiteral("refreshExpiresIn")).toInt(), 30 * 24 * 3600);
        QCOMPARE(refreshOf(r).size(), 43);
        QCOMPARE(SluiceTest::headerOf(access(r)).value(QStringLiteral("typ")).toString(),
                 QStringLiteral("at+jwt"));
        QCOMPARE(SluiceTest::payloadOf(access(r)).value(QStringLiteral("aud")).toString(),
                 QStringLiteral("sluice-api"));
        QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(r.header("Pragma"), QByteArray("no-cache"));
        QVERIFY(!r.hasHeader("Set-Cookie")); // cookie mode is off by default
        QCOMPARE(sessionsStatus(access(r)), 200);
    }

    void refreshRotatesAndReuseRevokesTheFamily()
    {
        const HttpResponse first = login(QStringLiteral("alice"), m_alicePassword);
        const HttpResponse other = login(QStringLiteral("alice"), m_alicePassword); // 2nd family
        QCOMPARE(first.status, 200);
        const QString r1 = refreshOf(first);

        const HttpResponse second = refresh(r1);
        QCOMPARE(second.status, 200);
        QCOMPARE(second.header("Cache-Control"), QByteArray("no-store"));
        const QString r2 = refreshOf(second);
        QVERIFY(!r2.isEmpty() && r2 != r1);
        QVERIFY(access(second) != access(first));
        QCOMPARE(sessionsStatus(access(second)), 200);

        const HttpResponse third = refresh(r2);
        QCOMPARE(third.status, 200);
        const QString r3 = refreshOf(third);

        // Reuse of the rotated r1: 401, and the family's newest token r3 dies with it.
        const HttpResponse reuse = refresh(r1);
        QCOMPARE(reuse.status, 401);
        QCOMPARE(reuse.errorCode(), QStringLiteral("AUTHENTICATION_ERROR"));
        QVERIFY(reuse.header("WWW-Authenticate").startsWith("Bearer"));
        QCOMPARE(refresh(r3).status, 401);
        QCOMPARE(refresh(r2).status, 401);
        // The other login (another family) is untouched.
        QCOMPARE(refresh(refreshOf(other)).status, 200);
        QVERIFY(m_server.logOutput().contains(QLatin1String("refresh token reuse detected")));
    }

    void logoutRevokesTheFamily()
    {
        const HttpResponse phone = login(QStringLiteral("alice"), m_alicePassword);
        const HttpResponse laptop = login(QStringLiteral("alice"), m_alicePassword);
        HttpResponse out
            = m_http->postJson(logoutPath, { { QStringLiteral("refreshToken"), refreshOf(phone) } },
                               HttpClient::bearer(access(phone)));
        QCOMPARE(out.status, 204);
        QCOMPARE(out.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(refresh(refreshOf(phone)).status, 401);
        const HttpResponse laptop2 = refresh(refreshOf(laptop));
        QCOMPARE(laptop2.status, 200);

        // Without a refresh token: every family of the user (logout everywhere).
        const HttpResponse tablet = login(QStringLiteral("alice"), m_alicePassword);
        out = m_http->post(logoutPath, {}, HttpClient::bearer(access(tablet)));
        QCOMPARE(out.status, 204);
        QCOMPARE(refresh(refreshOf(laptop2)).status, 401);
        QCOMPARE(refresh(refreshOf(tablet)).status, 401);
    }

    void logoutCannotTouchAnotherUsersFamily()
    {
        const HttpResponse alice = login(QStringLiteral("alice"), m_alicePassword);
        const HttpResponse bob = login(QStringLiteral("bob"), m_bobPassword);
        const HttpResponse out
            = m_http->postJson(logoutPath, { { QStringLiteral("refreshToken"), refreshOf(bob) } },
                               HttpClient::bearer(access(alice)));
        QCOMPARE(out.status, 204);
        QCOMPARE(refresh(refreshOf(bob)).status, 200);
    }

    void logoutNeedsABearerToken()
    {
        const HttpResponse alice = login(QStringLiteral("alice"), m_alicePassword);
        HttpResponse r = m_http->post(logoutPath, {});
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QStringLiteral("AUTHENTICATION_ERROR"));
        QCOMPARE(r.header("WWW-Authenticate"), QByteArray("Bearer"));
        // A refresh token is not an access token.
        r = m_http->post(logoutPath, {}, HttpClient::bearer(refreshOf(alice).toLatin1()));
        QCOMPARE(r.status, 401);
        QVERIFY(r.header("WWW-Authenticate").contains("invalid_token"));
        QCOMPARE(refresh(refreshOf(alice)).status, 200); // nothing was revoked
    }

    void sameAnswerForUnknownUserAndWrongPassword()
    {
        QElapsedTimer timer;
        timer.start();
        const HttpResponse wrong
            = login(QStringLiteral("alice"), QStringLiteral("not-the-password"));
        const qint64 wrongMs = timer.restart();
        const HttpResponse unknown
            = login(QStringLiteral("nobody-here"), QStringLiteral("not-the-password"));
        const qint64 unknownMs = timer.elapsed();
        QCOMPARE(wrong.status, 401);
        QCOMPARE(unknown.status, wrong.status);
        QCOMPARE(unknown.body, wrong.body);
        QCOMPARE(unknown.header("WWW-Authenticate"), wrong.header("WWW-Authenticate"));
        QCOMPARE(wrong.errorCode(), QStringLiteral("AUTHENTICATION_ERROR"));
        // Reported, not asserted (shared machine): both paths run one scrypt.
        qInfo("wrong password %lld ms, unknown user %lld ms", wrongMs, unknownMs);
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        const QByteArray json = "application/json";
        const QString v = QStringLiteral("VALIDATION_ERROR");
        QTest::newRow("login: malformed JSON")
            << loginPath << QByteArray("{\"username\":") << json << 400 << v;
        QTest::newRow("login: array") << loginPath << QByteArray("[1,2]") << json << 400 << v;
        QTest::newRow("login: empty body") << loginPath << QByteArray() << json << 400 << v;
        QTest::newRow("login: empty object") << loginPath << QByteArray("{}") << json << 400 << v;
        QTest::newRow("login: username missing")
            << loginPath << QByteArray(R"({"password":"x"})") << json << 400 << v;
        QTest::newRow("login: password missing")
            << loginPath << QByteArray(R"({"username":"alice"})") << json << 400 << v;
        QTest::newRow("login: username number")
            << loginPath << QByteArray(R"({"username":42,"password":"x"})") << json << 400 << v;
        QTest::newRow("login: password object")
            << loginPath << QByteArray(R"({"username":"a","password":{}})") << json << 400 << v;
        QTest::newRow("login: password null")
            << loginPath << QByteArray(R"({"username":"a","password":null})") << json << 400 << v;
        QTest::newRow("login: empty username")
            << loginPath << QByteArray(R"({"username":"","password":"x"})") << json << 400 << v;
        QTest::newRow("login: huge username")
            << loginPath
            << QByteArray(R"({"username":")" + QByteArray(5000, 'u') + R"(","password":"x"})")
            << json << 400 << v;
        QTest::newRow("login: form encoded") << loginPath << QByteArray("username=a&password=b")
                                             << QByteArray("application/x-www-form-urlencoded")
                                             << 415 << QStringLiteral("UNSUPPORTED_MEDIA_TYPE");
        QTest::newRow("login: oversized")
            << loginPath
            << QByteArray(R"({"username":")" + QByteArray((1 << 20) + 1000, 'u') + R"("})") << json
            << 413 << QStringLiteral("PAYLOAD_TOO_LARGE");
        QTest::newRow("refresh: missing") << refreshPath << QByteArray("{}") << json << 400 << v;
        QTest::newRow("refresh: number")
            << refreshPath << QByteArray(R"({"refreshToken":7})") << json << 400 << v;
        QTest::newRow("refresh: malformed")
            << refreshPath << QByteArray("nope") << json << 400 << v;
        QTest::newRow("refresh: unknown token")
            << refreshPath << QByteArray(R"({"refreshToken":")" + QByteArray(43, 'A') + R"("})")
            << json << 401 << QStringLiteral("AUTHENTICATION_ERROR");
        QTest::newRow("refresh: garbage token")
            << refreshPath << QByteArray(R"({"refreshToken":"../../etc"})") << json << 401
            << QStringLiteral("AUTHENTICATION_ERROR");
        QTest::newRow("refresh: an access token")
            << refreshPath << QByteArray(R"({"refreshToken":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln"})")
            << json << 401 << QStringLiteral("AUTHENTICATION_ERROR");
    }
    void badInput()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, code);
        const HttpResponse r
            = m_http->post(path, body, { { QByteArrayLiteral("Content-Type"), contentType } });
        QCOMPARE(r.status, status);
        QCOMPARE(r.errorCode(), code);
        QVERIFY(!r.object().value(QStringLiteral("error")).toString().isEmpty());
    }

    void logoutBadInput()
    {
        const HttpResponse alice = login(QStringLiteral("alice"), m_alicePassword);
        HttpResponse r = m_http->post(logoutPath, R"({"refreshToken":5})",
                                      HttpClient::bearer(access(alice), jsonType));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("VALIDATION_ERROR"));
        r = m_http->post(logoutPath, "{oops", HttpClient::bearer(access(alice), jsonType));
        QCOMPARE(r.status, 400);
        QCOMPARE(refresh(refreshOf(alice)).status, 200); // no partial effect
    }

    void wrongMethods()
    {
        for (const QString &path : { loginPath, refreshPath, logoutPath }) {
            const HttpResponse r = m_http->get(path);
            QCOMPARE(r.status, 405);
            QCOMPARE(r.errorCode(), QStringLiteral("METHOD_NOT_ALLOWED"));
        }
    }

    void removedUsersTokensStopWorking()
    {
        QVERIFY(m_server.addUser(QStringLiteral("carol"), QStringLiteral("carol-password-1")));
        m_secrets << QStringLiteral("carol-password-1");
        const HttpResponse carol
            = login(QStringLiteral("carol"), QStringLiteral("carol-password-1"));
        QCOMPARE(carol.status, 200);
        QCOMPARE(sessionsStatus(access(carol)), 200);
        const auto removed = ServerProcess::run(
            { QStringLiteral("user"), QStringLiteral("remove"), QStringLiteral("carol"),
              QStringLiteral("--data-dir"), m_server.dataDir() });
        QVERIFY(removed.finished);
        QCOMPARE(removed.exitCode, 0);
        QCOMPARE(sessionsStatus(access(carol)), 401);
        QCOMPARE(refresh(refreshOf(carol)).status, 401);
        QCOMPARE(login(QStringLiteral("carol"), QStringLiteral("carol-password-1")).status, 401);
    }

    void rateLimitsFailedLogins()
    {
        ServerProcess limited;
        QVERIFY2(limited.start({ QStringLiteral("--login-max-failures"), QStringLiteral("3"),
                                 QStringLiteral("--login-window"), QStringLiteral("1h") }),
                 qPrintable(limited.errorString()));
        QVERIFY(limited.addUser(QStringLiteral("dave"), QStringLiteral("dave-password-1")));
        HttpClient http(limited.baseUrl());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(http.postJson(loginPath,
                                   credentials(QStringLiteral("dave"), QStringLiteral("wrong-one")))
                         .status,
                     401);
        // Blocked now — even with the right password, before any password check.
        HttpResponse r = http.postJson(
            loginPath, credentials(QStringLiteral("dave"), QStringLiteral("dave-password-1")));
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QStringLiteral("RATE_LIMITED"));
        bool ok = false;
        const int retryAfter = r.header("Retry-After").toInt(&ok);
        QVERIFY(ok);
        QVERIFY2(retryAfter > 3000 && retryAfter <= 3600, r.header("Retry-After").constData());
        QVERIFY(!r.object().contains(QStringLiteral("accessToken")));
        // Unknown user names are limited the same way (no enumeration through the limiter).
        for (int i = 0; i < 3; ++i)
            QCOMPARE(
                http.postJson(loginPath, credentials(QStringLiteral("ghost"), QStringLiteral("x")))
                    .status,
                401);
        QCOMPARE(http.postJson(loginPath, credentials(QStringLiteral("ghost"), QStringLiteral("x")))
                     .status,
                 429);
        // The client address is limited too (3 * 4 = 12 failures across names): 6 so far.
        for (int i = 0; i < 6; ++i)
            QCOMPARE(
                http.postJson(loginPath,
                              credentials(QStringLiteral("user%1").arg(i), QStringLiteral("x")))
                    .status,
                401);
        r = http.postJson(loginPath,
                          credentials(QStringLiteral("fresh-name"), QStringLiteral("x")));
        QCOMPARE(r.status, 429);
        QVERIFY(r.hasHeader("Retry-After"));
        QVERIFY(!limited.logOutput().contains(QLatin1String("dave-password-1")));
    }

    void cookieMode()
    {
        ServerProcess cookies;
        QVERIFY2(cookies.start({ QStringLiteral("--cookie-mode"), QStringLiteral("on") }),
                 qPrintable(cookies.errorString()));
        QVERIFY(cookies.addUser(QStringLiteral("erin"), QStringLiteral("erin-password-1")));
        HttpClient http(cookies.baseUrl());
        const HttpResponse r = http.postJson(
            loginPath, credentials(QStringLiteral("erin"), QStringLiteral("erin-password-1")));
        QCOMPARE(r.status, 200);
        const QByteArray cookie = r.header("Set-Cookie");
        QVERIFY2(cookie.startsWith(QByteArray("sluice_access=" + access(r) + ';')),
                 cookie.constData());
        for (const char *attribute :
             { "HttpOnly", "SameSite=Lax", "Path=/api/claude-code", "Max-Age=900" })
            QVERIFY2(cookie.contains(attribute), attribute);
        QVERIFY(!cookie.contains("Secure")); // plain HTTP here
        // The cookie is never accepted on API routes (only the stream GET may take it).
        const HttpResponse viaCookie = http.get(
            sessionsPath, { { QByteArrayLiteral("Cookie"), "sluice_access=" + access(r) } });
        QCOMPARE(viaCookie.status, 401);
        // Nor a token in the query string.
        QCOMPARE(http.get(sessionsPath + QStringLiteral("?access_token=")
                          + QString::fromLatin1(access(r)))
                     .status,
                 401);
        const HttpResponse out = http.post(logoutPath, {}, HttpClient::bearer(access(r)));
        QCOMPARE(out.status, 204);
        const QByteArray cleared = out.header("Set-Cookie");
        QVERIFY2(cleared.startsWith("sluice_access=;") && cleared.contains("Max-Age=0"),
                 cleared.constData());
        QVERIFY(!cookies.logOutput().contains(QString::fromLatin1(access(r))));

        ServerProcess secure;
        QVERIFY2(secure.start({ QStringLiteral("--cookie-mode"), QStringLiteral("on"),
                                QStringLiteral("--behind-https") }),
                 qPrintable(secure.errorString()));
        QVERIFY(secure.addUser(QStringLiteral("erin"), QStringLiteral("erin-password-1")));
        HttpClient https(secure.baseUrl());
        const HttpResponse s = https.postJson(
            loginPath, credentials(QStringLiteral("erin"), QStringLiteral("erin-password-1")));
        QCOMPARE(s.status, 200);
        QVERIFY(s.header("Set-Cookie").contains("; Secure"));
    }

    void noSecretInTheLog()
    {
        const QString log = m_server.logOutput();
        // The log really is captured and verbose.
        QVERIFY2(log.contains(QLatin1String("/api/auth/login")), qPrintable(log.left(2000)));
        QVERIFY(m_secrets.size() > 20);
        for (const QString &secret : std::as_const(m_secrets))
            QVERIFY2(!log.contains(secret), "a secret appeared in the server log");
        // Nor any piece of a token's signature.
        for (const QString &secret : std::as_const(m_secrets)) {
            const QString tail = secret.section(QLatin1Char('.'), 2);
            if (tail.size() > 20)
                QVERIFY(!log.contains(tail));
        }
    }
};

QTEST_GUILESS_MAIN(TestAuthApi)
#include "tst_authapi.moc"
