// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Tokens that outlive their reason to exist, against the real sluice-server:
// - a stream token opens one stream (a replay gets 401 STREAM_TOKEN_USED), and that stream ends at
//   --stream-max-lifetime;
// - logout of one device ends that device's streams and tokens only; logout everywhere, a
//   password change or removal from another process (`sluice-server user ...`) and refresh-token
//   reuse end all of them, the running server noticing within seconds;
// - two refreshes with the same token at once (two tabs) both succeed with the same successor.
#include "stream/ssereader.h"
#include "stream/streamtestsupport.h"

#include <QtCore/QJsonObject>
#include <QtTest/QTest>

using namespace Sluice::Test;

namespace {

constexpr int waitMs = 20000;

struct Device
{
    QByteArray accessToken;
    QString refreshToken;
};

Device login(HttpClient &http, const QString &user, const QString &password)
{
    const HttpResponse r = http.postJson(
        QStringLiteral("/api/auth/login"),
        { { QStringLiteral("username"), user }, { QStringLiteral("password"), password } });
    return { r.object().value(QStringLiteral("accessToken")).toString().toLatin1(),
             r.object().value(QStringLiteral("refreshToken")).toString() };
}

QByteArray bearer(const QByteArray &token)
{
    return "Bearer " + token;
}

QString mintStreamToken(StreamFixture &f, const QByteArray &accessToken)
{
    const HttpResponse r = f.http->post(f.promptPath(QStringLiteral("stream-token")), {},
                                        HttpClient::bearer(accessToken));
    return r.object().value(QStringLiteral("token")).toString();
}

int apiStatus(StreamFixture &f, const QByteArray &accessToken)
{
    return f.http->get(QStringLiteral("/api/claude-code/sessions"), HttpClient::bearer(accessToken))
        .status;
}

} // namespace

class TestRevocation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void streamTokenOpensOneStream()
    {
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--stream-max-lifetime"), QStringLiteral("5s") }),
                 qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("ada"), QStringLiteral("ada-password-1")));
        const QString token = mintStreamToken(f, f.token);
        QVERIFY(!token.isEmpty());
        const QString url = f.promptPath(QStringLiteral("stream?stream_token=")) + token;
        SseReader first(server.port());
        first.open(url);
        QTRY_VERIFY_WITH_TIMEOUT(!first.events().isEmpty(), waitMs);
        QCOMPARE(first.status(), 200);

        SseReader replay(server.port());
        replay.open(url);
        QTRY_VERIFY_WITH_TIMEOUT(replay.body().contains("STREAM_TOKEN_USED"), waitMs);
        QCOMPARE(replay.status(), 401);

        // The stream-token stream ends at its maximum lifetime (5 s here), like a Bearer stream at
        // its token's expiry: the client reconnects with a new token.
        QTRY_VERIFY_WITH_TIMEOUT(first.isFinished(), waitMs);
        QVERIFY(first.sawEndChunk());
        QVERIFY(first.comments().contains("credential expired, reconnect with a fresh one"));
    }

    void logoutOfOneDeviceEndsOnlyItsStreams()
    {
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--cookie-mode"), QStringLiteral("on") }),
                 qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("bo"), QStringLiteral("bo-password-123")));
        const Device laptop
            = login(*f.http, QStringLiteral("bo"), QStringLiteral("bo-password-123"));
        const Device phone
            = login(*f.http, QStringLiteral("bo"), QStringLiteral("bo-password-123"));
        QVERIFY(!laptop.accessToken.isEmpty() && !phone.accessToken.isEmpty());

        // The laptop follows the prompt three ways; the phone once.
        const QString stream = f.promptPath(QStringLiteral("stream"));
        SseReader laptopHeader(server.port());
        laptopHeader.open(stream, { { "Authorization", bearer(laptop.accessToken) } });
        SseReader laptopCookie(server.port());
        laptopCookie.open(stream, { { "Cookie", "sluice_access=" + laptop.accessToken } });
        SseReader laptopToken(server.port());
        laptopToken.open(f.promptPath(QStringLiteral("stream?stream_token="))
                         + mintStreamToken(f, laptop.accessToken));
        SseReader phoneHeader(server.port());
        phoneHeader.open(stream, { { "Authorization", bearer(phone.accessToken) } });
        for (SseReader *r : { &laptopHeader, &laptopCookie, &laptopToken, &phoneHeader })
            QTRY_VERIFY_WITH_TIMEOUT(!r->events().isEmpty(), waitMs);

        const HttpResponse out
            = f.http->postJson(QStringLiteral("/api/auth/logout"),
                               { { QStringLiteral("refreshToken"), laptop.refreshToken } },
                               HttpClient::bearer(laptop.accessToken));
        QCOMPARE(out.status, 204);
        for (SseReader *r : { &laptopHeader, &laptopCookie, &laptopToken }) {
            QTRY_VERIFY_WITH_TIMEOUT(r->isFinished(), waitMs);
            QVERIFY(r->comments().contains("logged out"));
        }
        QVERIFY(!phoneHeader.isFinished());
        QCOMPARE(apiStatus(f, laptop.accessToken), 401); // the laptop's token is dead at once
        QCOMPARE(apiStatus(f, phone.accessToken), 200); // the phone is still signed in
        QVERIFY(mintStreamToken(f, laptop.accessToken).isEmpty());
    }

    void logoutEverywhereEndsEverything()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("cy"), QStringLiteral("cy-password-123")));
        const Device other
            = login(*f.http, QStringLiteral("cy"), QStringLiteral("cy-password-123"));
        SseReader a(server.port());
        f.openStream(a);
        SseReader b(server.port());
        b.open(f.promptPath(QStringLiteral("stream?stream_token="))
               + mintStreamToken(f, other.accessToken));
        QTRY_VERIFY_WITH_TIMEOUT(!a.events().isEmpty() && !b.events().isEmpty(), waitMs);
        QCOMPARE(f.http->post(QStringLiteral("/api/auth/logout"), {}, HttpClient::bearer(f.token))
                     .status,
                 204);
        QTRY_VERIFY_WITH_TIMEOUT(a.isFinished() && b.isFinished(), waitMs);
        QCOMPARE(apiStatus(f, f.token), 401);
        QCOMPARE(apiStatus(f, other.accessToken), 401);
        // A new sign-in works right away.
        const Device fresh
            = login(*f.http, QStringLiteral("cy"), QStringLiteral("cy-password-123"));
        QCOMPARE(apiStatus(f, fresh.accessToken), 200);
    }

    // The CLI changes the database of the running server; the server notices within seconds.
    void passwordChangeFromAnotherProcess()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("di"), QStringLiteral("di-password-123")));
        SseReader a(server.port());
        f.openStream(a);
        QTRY_VERIFY_WITH_TIMEOUT(!a.events().isEmpty(), waitMs);
        const auto changed = ServerProcess::run({ QStringLiteral("user"), QStringLiteral("passwd"),
                                                  QStringLiteral("di"),
                                                  QStringLiteral("--data-dir"), server.dataDir() },
                                                {}, "a brand new password\n");
        QCOMPARE(changed.exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(a.isFinished(), 10000); // the revocation check runs every 2 s
        QVERIFY(a.comments().contains("signed out"));
        QCOMPARE(apiStatus(f, f.token), 401);
    }

    void removalFromAnotherProcess()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("ed"), QStringLiteral("ed-password-123")));
        SseReader a(server.port());
        f.openStream(a);
        QTRY_VERIFY_WITH_TIMEOUT(!a.events().isEmpty(), waitMs);
        const auto removed = ServerProcess::run({ QStringLiteral("user"), QStringLiteral("remove"),
                                                  QStringLiteral("ed"),
                                                  QStringLiteral("--data-dir"), server.dataDir() });
        QCOMPARE(removed.exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(a.isFinished(), 10000);
        QCOMPARE(apiStatus(f, f.token), 401);
    }

    void refreshReuseRevokesEverything()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("fa"), QStringLiteral("fa-password-123")));
        const Device device
            = login(*f.http, QStringLiteral("fa"), QStringLiteral("fa-password-123"));
        SseReader a(server.port());
        f.openStream(a);
        QTRY_VERIFY_WITH_TIMEOUT(!a.events().isEmpty(), waitMs);
        const auto refresh = [&](const QString &token) {
            return f.http->postJson(QStringLiteral("/api/auth/refresh"),
                                    { { QStringLiteral("refreshToken"), token } });
        };
        const HttpResponse first = refresh(device.refreshToken);
        QCOMPARE(first.status, 200);
        const QString successor = first.object().value(QStringLiteral("refreshToken")).toString();
        QCOMPARE(refresh(successor).status, 200); // the successor is used: the old one is stale
        QCOMPARE(refresh(device.refreshToken).status, 401); // reuse: theft suspected
        QTRY_VERIFY_WITH_TIMEOUT(a.isFinished(), waitMs);
        QVERIFY(a.comments().contains("session revoked"));
        QCOMPARE(apiStatus(f, f.token), 401); // every token of the user, not only this family
    }

    void concurrentRefreshesShareTheSuccessor()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("gi"), QStringLiteral("gi-password-123")));
        const Device device
            = login(*f.http, QStringLiteral("gi"), QStringLiteral("gi-password-123"));
        const QJsonObject body { { QStringLiteral("refreshToken"), device.refreshToken } };
        const HttpResponse tab1 = f.http->postJson(QStringLiteral("/api/auth/refresh"), body);
        const HttpResponse tab2 = f.http->postJson(QStringLiteral("/api/auth/refresh"), body);
        QCOMPARE(tab1.status, 200);
        QCOMPARE(tab2.status, 200);
        const QString successor = tab1.object().value(QStringLiteral("refreshToken")).toString();
        QCOMPARE(tab2.object().value(QStringLiteral("refreshToken")).toString(), successor);
        QCOMPARE(
            apiStatus(f, tab2.object().value(QStringLiteral("accessToken")).toString().toLatin1()),
            200);
    }
};

QTEST_GUILESS_MAIN(TestRevocation)
#include "tst_revocation.moc"
