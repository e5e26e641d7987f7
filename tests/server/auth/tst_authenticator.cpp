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
};

QTEST_GUILESS_MAIN(TestAuthenticator)
#include "tst_authenticator.moc"
