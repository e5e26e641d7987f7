// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Authenticator: Authorization header parsing, token checks, and users that no longer exist.
#include "auth/authenticator.h"
#include "auth/tokenservice.h"
#include "store/sqlitestore.h"

#include <QtCore/QDateTime>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace Sluice::Server;
using namespace std::chrono_literals;

class TestAuthenticator : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<SqliteStore> m_store;
    std::unique_ptr<TokenService> m_tokens;
    QString m_userId;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_store = SqliteStore::open(SqliteStore::databasePath(m_dir.path()));
        QVERIFY(m_store);
        TokenService::Options o;
        o.accessKey = QByteArray(40, 'k');
        o.streamKey = QByteArray(40, 'z');
        m_tokens = std::make_unique<TokenService>(o);
        const auto user = m_store->createUser(QStringLiteral("erin"), "$scrypt$x");
        QVERIFY(user);
        m_userId = user->id;
    }
    void cleanupTestCase() { m_store.reset(); }

    void acceptsBearer()
    {
        const Authenticator auth(*m_tokens, *m_store);
        const QByteArray token = m_tokens->mintAccessToken(m_userId)->token;
        for (const QByteArray &scheme :
             { QByteArray("Bearer "), QByteArray("bearer "), QByteArray("BEARER  ") }) {
            const AuthResult r = auth.authenticateAuthorization({ scheme + token });
            QVERIFY(r.ok);
            QCOMPARE(r.userId, m_userId);
            QCOMPARE(r.userName, QStringLiteral("erin"));
        }
    }

    void rejects_data()
    {
        QTest::addColumn<QList<QByteArray>>("values");
        QTest::addColumn<bool>("tokenPresented");
        QTest::newRow("no header") << QList<QByteArray> {} << false;
        QTest::newRow("empty") << QList<QByteArray> { QByteArray() } << false;
        QTest::newRow("Basic scheme") << QList<QByteArray> { "Basic ZXJpbjpwdw==" } << false;
        QTest::newRow("Bearer without token") << QList<QByteArray> { "Bearer " } << false;
        QTest::newRow("garbage token") << QList<QByteArray> { "Bearer abc.def.ghi" } << true;
    }
    void rejects()
    {
        QFETCH(QList<QByteArray>, values);
        QFETCH(bool, tokenPresented);
        const Authenticator auth(*m_tokens, *m_store);
        const AuthResult r = auth.authenticateAuthorization(values);
        QVERIFY(!r.ok);
        QCOMPARE(r.httpStatus, 401);
        QCOMPARE(r.code, QByteArrayLiteral("AUTHENTICATION_ERROR"));
        QCOMPARE(r.tokenPresented, tokenPresented);
        QVERIFY(r.userId.isEmpty());
    }

    void rejectsTwoHeadersAndStreamTokens()
    {
        const Authenticator auth(*m_tokens, *m_store);
        const QByteArray token = m_tokens->mintAccessToken(m_userId)->token;
        QVERIFY(!auth.authenticateAuthorization({ "Bearer " + token, "Bearer " + token }).ok);
        const QByteArray stream
            = m_tokens->mintStreamToken(m_userId, QStringLiteral("s"), QStringLiteral("p"))->token;
        QVERIFY(!auth.authenticateAuthorization({ "Bearer " + stream }).ok);
    }

    void removedUserIsRejected()
    {
        const Authenticator auth(*m_tokens, *m_store);
        const auto user = m_store->createUser(QStringLiteral("frank"), "$scrypt$x");
        const QByteArray token = m_tokens->mintAccessToken(user->id)->token;
        QVERIFY(auth.authenticateAuthorization({ "Bearer " + token }).ok);
        QVERIFY(m_store->removeUser(user->id));
        const AuthResult r = auth.authenticateAuthorization({ "Bearer " + token });
        QVERIFY(!r.ok);
        QVERIFY(r.tokenPresented);
    }

    void streamCredentials()
    {
        const Authenticator plain(*m_tokens, *m_store);
        const Authenticator cookies(*m_tokens, *m_store, true);
        const QString sid = QStringLiteral("sid-1");
        const QString pid = QStringLiteral("pid-1");
        const QByteArray access = m_tokens->mintAccessToken(m_userId)->token;
        const QByteArray stream = m_tokens->mintStreamToken(m_userId, sid, pid)->token;
        const QByteArray otherStream
            = m_tokens->mintStreamToken(m_userId, sid, QStringLiteral("pid-2"))->token;

        auto check = [&](const Authenticator &auth, const StreamCredentials &c) {
            return auth.authenticateStreamCredentials(c, sid, pid);
        };
        StreamCredentials c;
        QVERIFY(!check(plain, c).ok);
        QVERIFY(!check(plain, c).tokenPresented);

        c = {};
        c.streamToken = stream;
        const AuthResult first = check(plain, c);
        QVERIFY(first.ok);
        QCOMPARE(first.userId, m_userId);
        QCOMPARE(first.credential, CredentialKind::StreamToken);
        // A stream token opens one stream: the second presentation is refused with its own code.
        const AuthResult second = check(plain, c);
        QVERIFY(!second.ok);
        QCOMPARE(second.httpStatus, 401);
        QCOMPARE(second.code, QByteArray("STREAM_TOKEN_USED"));
        c.streamToken = otherStream; // another prompt's stream token
        QVERIFY(!check(plain, c).ok);
        c.streamToken = access; // an access token is never accepted in the URL
        QVERIFY(!check(plain, c).ok);

        c = {};
        c.authorization = { "Bearer " + access };
        QVERIFY(check(plain, c).ok);
        c.authorization = { "Bearer " + stream }; // stream token in the header: not an access token
        QVERIFY(!check(plain, c).ok);
        c.authorization = { "Bearer garbage" };
        c.streamToken = stream; // the header decides; no fall-through to the query
        QVERIFY(!check(plain, c).ok);

        c = {};
        c.cookieHeaders = { "theme=dark; sluice_access=" + access + "; other=1" };
        QVERIFY(!check(plain, c).ok); // cookie mode off
        QVERIFY(check(cookies, c).ok);
        c.cookieHeaders = { "sluice_access=" + stream };
        QVERIFY(!check(cookies, c).ok);
        c.cookieHeaders = { "sluice_access=" + access, "sluice_access=" + access };
        QVERIFY(!check(cookies, c).ok);
        c.cookieHeaders = { "sluice_access=" + access };
        c.authorization = { "Bearer garbage" }; // header > cookie
        QVERIFY(!check(cookies, c).ok);

        // Over HTTPS the cookie is __Secure-sluice_access, and only that name counts.
        const Authenticator secure(*m_tokens, *m_store, true, true);
        QCOMPARE(secure.cookieName(), QByteArray("__Secure-sluice_access"));
        c = {};
        c.cookieHeaders = { "sluice_access=" + access };
        QVERIFY(!check(secure, c).ok);
        c.cookieHeaders = { "__Secure-sluice_access=" + access };
        const AuthResult viaCookie = check(secure, c);
        QVERIFY(viaCookie.ok);
        QCOMPARE(viaCookie.credential, CredentialKind::AccessCookie);
    }

    // What the result says about the credential: the stream route ends Bearer and cookie streams
    // at expiresAt and remembers the sign-in (familyId) to end them on logout of that device.
    void resultDescribesTheCredential()
    {
        const Authenticator auth(*m_tokens, *m_store);
        const auto family = m_store->insertRefreshToken(m_userId, QByteArray(32, 'f'),
                                                        QDateTime::currentDateTimeUtc().addDays(1));
        QVERIFY(family);
        const auto minted = m_tokens->mintAccessToken(m_userId, family->familyId);
        const AuthResult r = auth.authenticateAuthorization({ "Bearer " + minted->token });
        QVERIFY(r.ok);
        QCOMPARE(r.credential, CredentialKind::BearerHeader);
        QCOMPARE(r.familyId, family->familyId);
        QVERIFY(r.issuedAt.isValid());
        // exp is in whole seconds, iat to the millisecond.
        const qint64 lifetimeMs = r.issuedAt.msecsTo(r.expiresAt);
        QVERIFY(lifetimeMs > qint64(minted->expiresIn.count()) * 1000 - 1000);
        QVERIFY(lifetimeMs <= qint64(minted->expiresIn.count()) * 1000);
    }

    // Logout of one device revokes its sign-in: its access and stream tokens stop working,
    // other sign-ins of the same user keep theirs.
    void revokedSignInIsRefused()
    {
        const Authenticator auth(*m_tokens, *m_store);
        const QDateTime expiry = QDateTime::currentDateTimeUtc().addDays(1);
        const auto device = m_store->insertRefreshToken(m_userId, QByteArray(32, 'a'), expiry);
        const auto other = m_store->insertRefreshToken(m_userId, QByteArray(32, 'b'), expiry);
        QVERIFY(device && other);
        const QByteArray mine = m_tokens->mintAccessToken(m_userId, device->familyId)->token;
        const QByteArray theirs = m_tokens->mintAccessToken(m_userId, other->familyId)->token;
        StreamCredentials c;
        c.streamToken = m_tokens
                            ->mintStreamToken(m_userId, QStringLiteral("s"), QStringLiteral("p"),
                                              {}, {}, device->familyId)
                            ->token;
        QVERIFY(auth.authenticateAuthorization({ "Bearer " + mine }).ok);
        QVERIFY(m_store->revokeRefreshFamily(device->familyId));
        QVERIFY(!auth.authenticateAuthorization({ "Bearer " + mine }).ok);
        QVERIFY(
            !auth.authenticateStreamCredentials(c, QStringLiteral("s"), QStringLiteral("p")).ok);
        QVERIFY(auth.authenticateAuthorization({ "Bearer " + theirs }).ok);
        // A family that is gone (purged) counts as revoked.
        const QByteArray ghost = m_tokens->mintAccessToken(m_userId, QStringLiteral("gone"))->token;
        QVERIFY(!auth.authenticateAuthorization({ "Bearer " + ghost }).ok);
    }

    // Logout everywhere, a password change, refresh-token reuse: tokens issued before the user's
    // mark are refused, tokens issued after it work.
    void tokensBeforeTheMarkAreRefused()
    {
        const Authenticator auth(*m_tokens, *m_store);
        const auto user = m_store->createUser(QStringLiteral("frank"), "$scrypt$x");
        QVERIFY(user);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QByteArray before = m_tokens->mintAccessToken(user->id, now.addSecs(-5))->token;
        QVERIFY(auth.authenticateAuthorization({ "Bearer " + before }).ok);
        QVERIFY(m_store->invalidateTokensIssuedBefore(user->id, now));
        QVERIFY(!auth.authenticateAuthorization({ "Bearer " + before }).ok);
        const QByteArray after = m_tokens->mintAccessToken(user->id, now)->token;
        QVERIFY(auth.authenticateAuthorization({ "Bearer " + after }).ok);
        // The mark never moves backwards.
        QVERIFY(m_store->invalidateTokensIssuedBefore(user->id, now.addSecs(-60)));
        QVERIFY(!auth.authenticateAuthorization({ "Bearer " + before }).ok);
    }
};

QTEST_GUILESS_MAIN(TestAuthenticator)
#include "tst_authenticator.moc"
