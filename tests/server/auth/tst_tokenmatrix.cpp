// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Integration: every kind of bad access token on a Bearer route of the real server is a 401
// AUTHENTICATION_ERROR with WWW-Authenticate; and a valid token only ever reaches its owner's data.
// Malicious tokens are crafted here with the server's own key files.
#include "support/httpclient.h"
#include "support/serverprocess.h"
#include "tokencraft.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtTest/QTest>

using namespace Sluice::Test;
using namespace SluiceTest;

namespace {

const QString sessionsPath = QStringLiteral("/api/claude-code/sessions");
const QString at = QStringLiteral("at+jwt");
const QString st = QStringLiteral("stream+jwt");
const QString hs256 = QStringLiteral("HS256");

QByteArray readKey(const QString &dataDir, const char *name)
{
    QFile file(QDir(dataDir).filePath(QLatin1String(name)));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll().trimmed();
}

} // namespace

class TestTokenMatrix : public QObject
{
    Q_OBJECT

private:
    ServerProcess m_server;
    std::unique_ptr<HttpClient> m_http;
    QByteArray m_accessKey;
    QByteArray m_streamKey;
    QString m_aliceId;
    QByteArray m_aliceToken;
    QByteArray m_bobToken;

    QByteArray loginToken(const QString &user, const QString &password)
    {
        const HttpResponse r = m_http->postJson(
            QStringLiteral("/api/auth/login"),
            { { QStringLiteral("username"), user }, { QStringLiteral("password"), password } });
        return r.object().value(QStringLiteral("accessToken")).toString().toLatin1();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start({ QStringLiteral("--log-level"), QStringLiteral("debug") }),
                 qPrintable(m_server.errorString()));
        QVERIFY(m_server.addUser(QStringLiteral("alice"), QStringLiteral("alice-password")));
        QVERIFY(m_server.addUser(QStringLiteral("bob"), QStringLiteral("bob-password")));
        m_http = std::make_unique<HttpClient>(m_server.baseUrl());
        m_accessKey = readKey(m_server.dataDir(), "access.key");
        m_streamKey = readKey(m_server.dataDir(), "stream.key");
        QVERIFY(m_accessKey.size() >= 32);
        QVERIFY(m_streamKey.size() >= 32);
        QVERIFY(m_accessKey != m_streamKey);
        m_aliceToken = loginToken(QStringLiteral("alice"), QStringLiteral("alice-password"));
        m_bobToken = loginToken(QStringLiteral("bob"), QStringLiteral("bob-password"));
        QVERIFY(!m_aliceToken.isEmpty() && !m_bobToken.isEmpty());
        m_aliceId = payloadOf(m_aliceToken).value(QStringLiteral("sub")).toString();
        QVERIFY(!m_aliceId.isEmpty());
    }

    void matrix_data()
    {
        QTest::addColumn<QByteArray>("authorization"); // full header value; empty = no header
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("challenge"); // expected WWW-Authenticate

        const QByteArray invalid = QByteArrayLiteral("Bearer error=\"invalid_token\"");
        const QByteArray bare = QByteArrayLiteral("Bearer");
        const QJsonObject good = accessClaims(m_aliceId);
        auto bearer = [](const QByteArray &token) {
            return QByteArray("Bearer " + token);
        };

        // Baselines: the server's own token and a crafted one with the real key both pass, so every
        // row below fails for its one flaw only.
        QTest::newRow("valid (server-minted)") << bearer(m_aliceToken) << 200 << QByteArray();
        QTest::newRow("valid (crafted)")
            << bearer(craftToken(jwtHeader(hs256, at), good, m_accessKey)) << 200 << QByteArray();

        QTest::newRow("missing") << QByteArray() << 401 << bare;
        QTest::newRow("Basic scheme")
            << QByteArray("Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=") << 401 << bare;
        QTest::newRow("Bearer, empty") << QByteArray("Bearer ") << 401 << bare;
        QTest::newRow("garbage") << bearer("garbage") << 401 << invalid;
        QTest::newRow("expired") << bearer(
            craftToken(jwtHeader(hs256, at), accessClaims(m_aliceId, 2000, 900), m_accessKey))
                                 << 401 << invalid;
        QJsonObject future = good;
        future.insert(QStringLiteral("nbf"), QDateTime::currentSecsSinceEpoch() + 600);
        QTest::newRow("not yet valid")
            << bearer(craftToken(jwtHeader(hs256, at), future, m_accessKey)) << 401 << invalid;
        QByteArray tampered = m_aliceToken;
        tampered[tampered.size() - 5] = tampered.at(tampered.size() - 5) == 'a' ? 'b' : 'a';
        QTest::newRow("tampered signature") << bearer(tampered) << 401 << invalid;
        QJsonObject asBob = payloadOf(m_aliceToken);
        asBob.insert(QStringLiteral("sub"), payloadOf(m_bobToken).value(QStringLiteral("sub")));
        const QList<QByteArray> parts = m_aliceToken.split('.');
        QTest::newRow("tampered payload (sub swapped)") << bearer(
            parts.at(0) + '.' + base64Url(QJsonDocument(asBob).toJson(QJsonDocument::Compact)) + '.'
            + parts.at(2)) << 401 << invalid;
        QTest::newRow("alg none") << bearer(
            craftToken(jwtHeader(QStringLiteral("none"), at), good, {}, Signature::Empty))
                                  << 401 << invalid;
        QTest::newRow("alg none + signature")
            << bearer(craftToken(jwtHeader(QStringLiteral("none"), at), good, m_accessKey)) << 401
            << invalid;
        QTest::newRow("HS/RS confusion")
            << bearer(craftToken(jwtHeader(QStringLiteral("RS256"), at), good, m_accessKey)) << 401
            << invalid;
        QTest::newRow("HS384") << bearer(
            craftToken(jwtHeader(QStringLiteral("HS384"), at), good, m_accessKey, Signature::HS384))
                               << 401 << invalid;
        QTest::newRow("wrong typ (JWT)")
            << bearer(craftToken(jwtHeader(hs256, QStringLiteral("JWT")), good, m_accessKey)) << 401
            << invalid;
        QJsonObject wrongAud = good;
        wrongAud.insert(QStringLiteral("aud"), QStringLiteral("sluice-stream"));
        QTest::newRow("wrong aud")
            << bearer(craftToken(jwtHeader(hs256, at), wrongAud, m_accessKey)) << 401 << invalid;
        QJsonObject wrongIss = good;
        wrongIss.insert(QStringLiteral("iss"), QStringLiteral("someone-else"));
        QTest::newRow("wrong iss")
            << bearer(craftToken(jwtHeader(hs256, at), wrongIss, m_accessKey)) << 401 << invalid;
        const QJsonObject stream
            = streamClaims(m_aliceId, QStringLiteral("s"), QStringLiteral("p"));
        QTest::newRow("stream token as access token")
            << bearer(craftToken(jwtHeader(hs256, st), stream, m_streamKey)) << 401 << invalid;
        QTest::newRow("stream token signed with the access key")
            << bearer(craftToken(jwtHeader(hs256, st), stream, m_accessKey)) << 401 << invalid;
        QTest::newRow("access-typed token signed with the stream key")
            << bearer(craftToken(jwtHeader(hs256, at), good, m_streamKey)) << 401 << invalid;
        QJsonObject noExp = good;
        noExp.remove(QStringLiteral("exp"));
        QTest::newRow("missing exp")
            << bearer(craftToken(jwtHeader(hs256, at), noExp, m_accessKey)) << 401 << invalid;
        QTest::newRow("unknown user") << bearer(
            craftToken(jwtHeader(hs256, at), accessClaims(QStringLiteral("0123abcd")), m_accessKey))
                                      << 401 << invalid;
    }
    void matrix()
    {
        QFETCH(QByteArray, authorization);
        QFETCH(int, status);
        QFETCH(QByteArray, challenge);
        Headers headers;
        if (!authorization.isEmpty())
            headers.append({ QByteArrayLiteral("Authorization"), authorization });
        const HttpResponse r = m_http->get(sessionsPath, headers);
        QCOMPARE(r.status, status);
        if (status == 401) {
            QCOMPARE(r.errorCode(), QStringLiteral("AUTHENTICATION_ERROR"));
            QCOMPARE(r.header("WWW-Authenticate"), challenge);
            QVERIFY(r.header("Vary").contains("Origin")); // CORS policy still applied
        }
    }

    void tokenInQueryIsNeverAccepted()
    {
        const HttpResponse r = m_http->get(sessionsPath + QStringLiteral("?access_token=")
                                           + QString::fromLatin1(m_aliceToken));
        QCOMPARE(r.status, 401);
        QVERIFY(!m_server.logOutput().contains(QString::fromLatin1(m_aliceToken)));
    }

    void ownersOnly()
    {
        const HttpResponse created = m_http->postJson(
            sessionsPath, { { QStringLiteral("title"), QStringLiteral("alice's") } },
            HttpClient::bearer(m_aliceToken));
        QCOMPARE(created.status, 201);
        const QString sid = created.object().value(QStringLiteral("id")).toString();
        QVERIFY(!sid.isEmpty());
        QCOMPARE(m_http->get(sessionsPath + u'/' + sid, HttpClient::bearer(m_aliceToken)).status,
                 200);
        const HttpResponse foreign
            = m_http->get(sessionsPath + u'/' + sid, HttpClient::bearer(m_bobToken));
        QCOMPARE(foreign.status, 404);
        QCOMPARE(foreign.errorCode(), QStringLiteral("NOT_FOUND"));
        const HttpResponse bobList = m_http->get(sessionsPath, HttpClient::bearer(m_bobToken));
        QCOMPARE(bobList.status, 200);
        QVERIFY(!bobList.body.contains(sid.toLatin1()));
        QVERIFY(m_http->get(sessionsPath, HttpClient::bearer(m_aliceToken))
                    .body.contains(sid.toLatin1()));
    }

    void noTokenInTheLog()
    {
        const QString log = m_server.logOutput();
        QVERIFY(log.contains(sessionsPath));
        QVERIFY(!log.contains(QString::fromLatin1(m_aliceToken)));
        QVERIFY(!log.contains(QString::fromLatin1(m_bobToken)));
        QVERIFY(!log.contains(QString::fromLatin1(m_accessKey)));
        QVERIFY(!log.contains(QString::fromLatin1(m_streamKey)));
        QVERIFY(!log.contains(QLatin1String("alice-password")));
    }
};

QTEST_GUILESS_MAIN(TestTokenMatrix)
#include "tst_tokenmatrix.moc"
