// Authenticator: Authorization header parsing, token checks, and users that no longer exist.
#include "auth/authenticator.h"
#include "auth/tokenservice.h"
#include "store/sqlitestore.h"

#include <QTemporaryDir>
#include <QTest>

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
        QVERIFY(check(plain, c).ok);
        QCOMPARE(check(plain, c).userId, m_userId);
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
    }
};

QTEST_GUILESS_MAIN(TestAuthenticator)
#include "tst_authenticator.moc"
