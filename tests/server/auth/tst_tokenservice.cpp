// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// TokenService: minting and the full rejection matrix (RFC 8725 hardening).
#include "auth/tokenservice.h"
#include "tokencraft.h"

#include <QtTest/QTest>

using namespace Sluice::Server;
using namespace SluiceTest;
using namespace std::chrono_literals;

namespace {

const QByteArray accessKey = QByteArray(32, 'a') + "access-key-for-tests";
const QByteArray streamKey = QByteArray(32, 's') + "stream-key-for-tests";

TokenService::Options options(const QByteArray &aKey = accessKey,
                              const QByteArray &sKey = streamKey)
{
    TokenService::Options o;
    o.accessKey = aKey;
    o.streamKey = sKey;
    o.accessTokenTtl = 900s;
    o.streamTokenTtl = 120s;
    o.leeway = 30s;
    return o;
}

const QString alg256 = QStringLiteral("HS256");
const QString at = QStringLiteral("at+jwt");
const QString st = QStringLiteral("stream+jwt");

} // namespace

class TestTokenService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void accessTokenRoundTrip()
    {
        const TokenService tokens(options());
        const auto minted = tokens.mintAccessToken(QStringLiteral("user-1"));
        QVERIFY(minted);
        QCOMPARE(minted->expiresIn, 900s);
        const QJsonObject header = headerOf(minted->token);
        QCOMPARE(header.value(QStringLiteral("alg")).toString(), alg256);
        QCOMPARE(header.value(QStringLiteral("typ")).toString(), at);
        const QJsonObject claims = payloadOf(minted->token);
        for (const char *name : { "iss", "sub", "aud", "iat", "nbf", "exp", "jti" })
            QVERIFY2(claims.contains(QLatin1String(name)), name);
        QCOMPARE(claims.value(QStringLiteral("aud")).toString(), QStringLiteral("sluice-api"));
        // iat carries milliseconds (revocation marks compare to the millisecond).
        QCOMPARE(claims.value(QStringLiteral("exp")).toInteger()
                     - qint64(claims.value(QStringLiteral("iat")).toDouble()),
                 900);
        QString reason;
        const auto verified = tokens.verifyAccessToken(minted->token, &reason);
        QVERIFY2(verified, qPrintable(reason));
        QCOMPARE(verified->userId, QStringLiteral("user-1"));
        QCOMPARE(verified->jti, claims.value(QStringLiteral("jti")).toString());
        // jti is random per token
        const auto other = tokens.mintAccessToken(QStringLiteral("user-1"));
        QVERIFY(payloadOf(other->token).value(QStringLiteral("jti"))
                != claims.value(QStringLiteral("jti")));
    }

    void streamTokenRoundTrip()
    {
        const TokenService tokens(options());
        const auto minted = tokens.mintStreamToken(QStringLiteral("u"), QStringLiteral("s1"),
                                                   QStringLiteral("p1"));
        QVERIFY(minted);
        QCOMPARE(minted->expiresIn, 120s);
        QCOMPARE(headerOf(minted->token).value(QStringLiteral("typ")).toString(), st);
        QCOMPARE(payloadOf(minted->token).value(QStringLiteral("aud")).toString(),
                 QStringLiteral("sluice-stream"));
        QString reason;
        const auto verified = tokens.verifyStreamToken(minted->token, &reason);
        QVERIFY2(verified, qPrintable(reason));
        QCOMPARE(verified->userId, QStringLiteral("u"));
        QCOMPARE(verified->sessionId, QStringLiteral("s1"));
        QCOMPARE(verified->promptId, QStringLiteral("p1"));
        const auto custom = tokens.mintStreamToken(QStringLiteral("u"), QStringLiteral("s1"),
                                                   QStringLiteral("p1"), 300s);
        QCOMPARE(custom->expiresIn, 300s);
    }

    void differentKeysPerKind()
    {
        const TokenService tokens(options());
        const auto access = tokens.mintAccessToken(QStringLiteral("u"));
        // Same claims and header, but signed with the stream key: must fail as an access token.
        const QByteArray forged
            = craftToken(headerOf(access->token), payloadOf(access->token), streamKey);
        QVERIFY(!tokens.verifyAccessToken(forged));
        // The crafted baseline with the right key passes: the crafting itself is sound.
        const QByteArray sound
            = craftToken(headerOf(access->token), payloadOf(access->token), accessKey);
        QVERIFY(tokens.verifyAccessToken(sound));
    }

    void timeWindow_data()
    {
        QTest::addColumn<qint64>("offset"); // seconds added to "now" at verification
        QTest::addColumn<bool>("valid");
        QTest::newRow("fresh") << qint64(0) << true;
        QTest::newRow("just before exp") << qint64(899) << true;
        QTest::newRow("expired within leeway") << qint64(900 + 29) << true;
        QTest::newRow("expired beyond leeway") << qint64(900 + 30) << false;
        QTest::newRow("expired long ago") << qint64(100000) << false;
        QTest::newRow("nbf within leeway") << qint64(-29) << true;
        QTest::newRow("not yet valid") << qint64(-31) << false;
        QTest::newRow("far future token") << qint64(-100000) << false;
    }
    void timeWindow()
    {
        QFETCH(qint64, offset);
        QFETCH(bool, valid);
        const TokenService tokens(options());
        const QDateTime mintedAt = QDateTime::currentDateTimeUtc();
        const auto access = tokens.mintAccessToken(QStringLiteral("u"), mintedAt);
        QVERIFY(access);
        QString reason;
        QCOMPARE(bool(tokens.verifyAccessToken(access->token, &reason, mintedAt.addSecs(offset))),
                 valid);
        const auto stream = tokens.mintStreamToken(QStringLiteral("u"), QStringLiteral("s"),
                                                   QStringLiteral("p"), 900s, mintedAt);
        QCOMPARE(bool(tokens.verifyStreamToken(stream->token, &reason, mintedAt.addSecs(offset))),
                 valid);
    }

    void iatInTheFuture()
    {
        const TokenService tokens(options());
        QJsonObject claims = accessClaims(QStringLiteral("u"));
        claims.insert(QStringLiteral("iat"), QDateTime::currentSecsSinceEpoch() + 3600);
        QString reason;
        QVERIFY(!tokens.verifyAccessToken(craftToken(jwtHeader(alg256, at), claims, accessKey),
                                          &reason));
        QCOMPARE(reason, QStringLiteral("issued in the future"));
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QString>("reason");
        const QJsonObject good = accessClaims(QStringLiteral("u"));
        const QByteArray valid = craftToken(jwtHeader(alg256, at), good, accessKey);
        QByteArray tamperedSig = valid;
        tamperedSig[tamperedSig.size() - 3]
            = tamperedSig.at(tamperedSig.size() - 3) == 'A' ? 'B' : 'A';
        QJsonObject otherSub = good;
        otherSub.insert(QStringLiteral("sub"), QStringLiteral("admin"));
        const QList<QByteArray> validParts = valid.split('.');
        const QByteArray tamperedPayload = validParts.at(0) + '.'
            + base64Url(QJsonDocument(otherSub).toJson(QJsonDocument::Compact)) + '.'
            + validParts.at(2);

        QTest::newRow("tampered signature") << tamperedSig << "signature or encoding invalid";
        QTest::newRow("tampered payload") << tamperedPayload << "signature or encoding invalid";
        QTest::newRow("alg none, empty signature")
            << craftToken(jwtHeader(QStringLiteral("none"), at), good, accessKey, Signature::Empty)
            << "malformed token";
        QTest::newRow("alg none, with signature")
            << craftToken(jwtHeader(QStringLiteral("none"), at), good, accessKey) << "";
        QTest::newRow("alg None, with signature")
            << craftToken(jwtHeader(QStringLiteral("None"), at), good, accessKey) << "";
        QTest::newRow("HS/RS confusion (RS256 HMAC'd with the key)")
            << craftToken(jwtHeader(QStringLiteral("RS256"), at), good, accessKey) << "";
        QTest::newRow("ES256 header")
            << craftToken(jwtHeader(QStringLiteral("ES256"), at), good, accessKey) << "";
        QTest::newRow("HS384 with the right key")
            << craftToken(jwtHeader(QStringLiteral("HS384"), at), good, accessKey, Signature::HS384)
            << "algorithm not allowed";
        QTest::newRow("HS512 with the right key")
            << craftToken(jwtHeader(QStringLiteral("HS512"), at), good, accessKey, Signature::HS512)
            << "algorithm not allowed";
        QTest::newRow("garbage signature")
            << craftToken(jwtHeader(alg256, at), good, accessKey, Signature::Garbage)
            << "signature or encoding invalid";
        QTest::newRow("typ JWT") << craftToken(jwtHeader(alg256, QStringLiteral("JWT")), good,
                                               accessKey)
                                 << "wrong token type";
        QTest::newRow("typ missing")
            << craftToken(jwtHeader(alg256, QString()), good, accessKey) << "wrong token type";
        QTest::newRow("typ stream+jwt")
            << craftToken(jwtHeader(alg256, st), good, accessKey) << "wrong token type";
        QJsonObject c = good;
        c.insert(QStringLiteral("aud"), QStringLiteral("sluice-stream"));
        QTest::newRow("aud sluice-stream")
            << craftToken(jwtHeader(alg256, at), c, accessKey) << "wrong audience";
        c.insert(QStringLiteral("aud"), QJsonArray { QStringLiteral("sluice-api") });
        QTest::newRow("aud as array")
            << craftToken(jwtHeader(alg256, at), c, accessKey) << "wrong audience";
        c = good;
        c.insert(QStringLiteral("iss"), QStringLiteral("evil"));
        QTest::newRow("wrong iss")
            << craftToken(jwtHeader(alg256, at), c, accessKey) << "wrong issuer";
        for (const char *claim : { "aud", "iss" }) {
            c = good;
            c.remove(QLatin1String(claim));
            QTest::addRow("missing %s", claim)
                << craftToken(jwtHeader(alg256, at), c, accessKey) << "";
        }
        for (const char *claim : { "sub", "jti", "iat", "nbf", "exp" }) {
            c = good;
            c.remove(QLatin1String(claim));
            QTest::addRow("missing %s", claim)
                << craftToken(jwtHeader(alg256, at), c, accessKey) << "missing claims";
        }
        c = good;
        c.insert(QStringLiteral("exp"), QString::number(QDateTime::currentSecsSinceEpoch() + 900));
        QTest::newRow("exp as string")
            << craftToken(jwtHeader(alg256, at), c, accessKey) << "missing claims";
        c = good;
        c.insert(QStringLiteral("sid"), QStringLiteral("s"));
        c.insert(QStringLiteral("pid"), QStringLiteral("p"));
        QTest::newRow("stream claims in access token")
            << craftToken(jwtHeader(alg256, at), c, accessKey)
            << "stream claims in an access token";
        // Base64url has one spelling per MAC: the last character of a 32-byte MAC carries two
        // spare bits, and setting one must not give a second valid token for the same claims.
        static const QByteArray alphabet
            = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        QByteArray respelled = valid;
        respelled.back() = alphabet.at(alphabet.indexOf(valid.back()) ^ 1);
        QTest::newRow("signature with a spare bit set")
            << respelled << "signature or encoding invalid";
        QTest::newRow("signature with padding") << QByteArray(valid + '=') << "";
        c = good;
        c.insert(QStringLiteral("exp"), c.value(QStringLiteral("iat")));
        QTest::newRow("exp equal to iat")
            << craftToken(jwtHeader(alg256, at), c, accessKey) << "expires before it was issued";
        c.insert(QStringLiteral("exp"), c.value(QStringLiteral("iat")).toInteger() - 1);
        QTest::newRow("exp before iat")
            << craftToken(jwtHeader(alg256, at), c, accessKey) << "expires before it was issued";
        QTest::newRow("empty") << QByteArray() << "malformed token";
        QTest::newRow("garbage") << QByteArray("not a token") << "malformed token";
        QTest::newRow("two segments") << QByteArray("abc.def") << "malformed token";
        QTest::newRow("four segments") << QByteArray(valid + ".x") << "malformed token";
        QTest::newRow("embedded NUL")
            << QByteArray(valid.left(10) + '\0' + valid.mid(10)) << "malformed token";
        QTest::newRow("huge") << QByteArray(valid + QByteArray(10000, 'A')) << "malformed token";
        QTest::newRow("bad base64 header")
            << QByteArray("!!!." + validParts.at(1) + '.' + validParts.at(2)) << "malformed token";
        // Sanity: the baseline crafted token is accepted (proves each row differs only by its
        // flaw).
        QTest::newRow("baseline (valid)") << valid << "VALID";
    }
    void rejected()
    {
        QFETCH(QByteArray, token);
        QFETCH(QString, reason);
        const TokenService tokens(options());
        QString why;
        const bool accepted = bool(tokens.verifyAccessToken(token, &why));
        if (reason == QLatin1String("VALID")) {
            QVERIFY2(accepted, qPrintable(why));
            return;
        }
        QVERIFY(!accepted);
        QVERIFY(!why.isEmpty());
        if (!reason.isEmpty())
            QCOMPARE(why, reason);
    }

    void kindsAreMutuallyExclusive_data()
    {
        QTest::addColumn<bool>("sameKeys");
        QTest::newRow("different keys") << false;
        QTest::newRow("even with equal keys") << true;
    }
    void kindsAreMutuallyExclusive()
    {
        QFETCH(bool, sameKeys);
        const TokenService tokens(sameKeys ? options(accessKey, accessKey) : options());
        const auto access = tokens.mintAccessToken(QStringLiteral("u"));
        const auto stream
            = tokens.mintStreamToken(QStringLiteral("u"), QStringLiteral("s"), QStringLiteral("p"));
        QVERIFY(tokens.verifyAccessToken(access->token));
        QVERIFY(tokens.verifyStreamToken(stream->token));
        QVERIFY(!tokens.verifyAccessToken(stream->token));
        QVERIFY(!tokens.verifyStreamToken(access->token));
        // A stream-typed token carrying access audience, and vice versa, signed with the right key.
        const QByteArray key = sameKeys ? accessKey : streamKey;
        QVERIFY(!tokens.verifyStreamToken(
            craftToken(jwtHeader(alg256, st), accessClaims(QStringLiteral("u")), key)));
        QVERIFY(!tokens.verifyAccessToken(
            craftToken(jwtHeader(alg256, at),
                       streamClaims(QStringLiteral("u"), QStringLiteral("s"), QStringLiteral("p")),
                       accessKey)));
    }

    void streamTokenNeedsSidAndPid()
    {
        const TokenService tokens(options());
        for (const char *claim : { "sid", "pid", "sub" }) {
            QJsonObject c
                = streamClaims(QStringLiteral("u"), QStringLiteral("s"), QStringLiteral("p"));
            c.remove(QLatin1String(claim));
            QVERIFY2(!tokens.verifyStreamToken(craftToken(jwtHeader(alg256, st), c, streamKey)),
                     claim);
        }
        const QJsonObject c
            = streamClaims(QStringLiteral("u"), QStringLiteral("s"), QStringLiteral("p"));
        QVERIFY(tokens.verifyStreamToken(craftToken(jwtHeader(alg256, st), c, streamKey)));
        QVERIFY(!tokens.verifyStreamToken(
            craftToken(jwtHeader(QStringLiteral("none"), st), c, streamKey)));
    }

    void refusesToMintWithoutInputs()
    {
        const TokenService tokens(options());
        QVERIFY(!tokens.mintAccessToken(QString()));
        QVERIFY(!tokens.mintStreamToken(QStringLiteral("u"), QString(), QStringLiteral("p")));
        const TokenService keyless(options(QByteArray(), QByteArray()));
        QVERIFY(!keyless.mintAccessToken(QStringLiteral("u")));
        const auto access = tokens.mintAccessToken(QStringLiteral("u"));
        QVERIFY(!keyless.verifyAccessToken(access->token));
    }
};

QTEST_GUILESS_MAIN(TestTokenService)
#include "tst_tokenservice.moc"
