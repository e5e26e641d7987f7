// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Integration: logins check passwords off the event loop. While logins hash, other requests are
// answered; a full hash queue or a spent hash budget answers 503 LOGIN_BUSY with Retry-After; a
// client that leaves while its password is checked gets no tokens and harms nothing; hashes weaker
// than the server's cost are upgraded at login; a user failing from one address is not locked out
// of another. No wall-clock bounds: the assertions are about order and progress.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtNetwork/QTcpSocket>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <memory>
#include <vector>

using namespace Sluice::Test;

namespace {

constexpr int waitMs = 60000;
const QString loginPath = QStringLiteral("/api/auth/login");

QByteArray loginBody(const QString &user, const QString &password)
{
    return QJsonDocument(QJsonObject { { QStringLiteral("username"), user },
                                       { QStringLiteral("password"), password } })
        .toJson(QJsonDocument::Compact);
}

// One request on a connection of its own, optionally from a chosen loopback address (QNAM would
// hold back all but six requests per host, and cannot choose the source address).
class RawExchange
{
public:
    RawExchange(quint16 port, const QByteArray &method, const QByteArray &path,
                const QByteArray &jsonBody = {}, const QHostAddress &from = {})
    {
        if (!from.isNull())
            m_socket.bind(from);
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        QByteArray request = method;
        request += ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (!jsonBody.isEmpty()) {
            request += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(jsonBody.size()) + "\r\n";
        }
        request += "\r\n" + jsonBody;
        m_socket.write(request);
    }

    // Reads what arrived; true once the whole answer is there.
    bool poll()
    {
        m_data += m_socket.readAll();
        const qsizetype headEnd = m_data.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return false;
        return m_data.size() - headEnd - 4 >= header("Content-Length").toLongLong();
    }
    int status() const { return m_data.mid(9, 3).toInt(); }
    QByteArray header(const QByteArray &name) const
    {
        const QList<QByteArray> lines = m_data.left(m_data.indexOf("\r\n\r\n")).split('\n');
        for (const QByteArray &line : lines) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
    QJsonObject json() const
    {
        return QJsonDocument::fromJson(m_data.mid(m_data.indexOf("\r\n\r\n") + 4)).object();
    }
    void abort() { m_socket.abort(); }

private:
    QTcpSocket m_socket;
    QByteArray m_data;
};

std::vector<std::unique_ptr<RawExchange>> logins(quint16 port, int count, const QString &user,
                                                 const QString &password)
{
    std::vector<std::unique_ptr<RawExchange>> result;
    for (int i = 0; i < count; ++i) {
        result.push_back(std::make_unique<RawExchange>(port, "POST", loginPath.toLatin1(),
                                                       loginBody(user, password)));
    }
    return result;
}

int countAnswered(std::vector<std::unique_ptr<RawExchange>> &exchanges)
{
    int answered = 0;
    for (auto &exchange : exchanges)
        answered += exchange->poll() ? 1 : 0;
    return answered;
}

// The stored password hash of `user`, read from the server's database.
QByteArray storedHash(const ServerProcess &server, const QString &user)
{
    QByteArray hash;
    const QString connection = QStringLiteral("tst_loginpool");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(server.dataDir() + QStringLiteral("/sluice.db"));
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
        if (db.open()) {
            QSqlQuery query(db);
            query.prepare(QStringLiteral("SELECT password_hash FROM users WHERE name = ?"));
            query.addBindValue(user);
            if (query.exec() && query.next())
                hash = query.value(0).toByteArray();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return hash;
}

QString scryptCost(int logN)
{
    return QString::number(logN);
}

} // namespace

class TestLoginPool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eventLoopServesWhileLoginsHash()
    {
        // One hashing thread and a cost that takes a noticeable time: eight logins take several
        // hashes' time in a row. Unknown users cost the server's own cost (the dummy check).
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--login-hash-threads"), QStringLiteral("1"),
                                QStringLiteral("--login-max-failures"), QStringLiteral("1000") },
                              { { QStringLiteral("SLUICE_SCRYPT_LOG_N"), scryptCost(16) } }),
                 qPrintable(server.errorString()));
        auto pending = logins(server.port(), 8, QStringLiteral("nobody"), QStringLiteral("pw"));
        // Once the first answer is out the others are being hashed (before, the event loop
        // itself ran them one after the other and answered nothing else meanwhile).
        QTRY_VERIFY_WITH_TIMEOUT(countAnswered(pending) >= 1, waitMs);
        RawExchange health(server.port(), "GET", "/healthz");
        QTRY_VERIFY_WITH_TIMEOUT(health.poll(), waitMs);
        const int loginsDoneAtHealthz = countAnswered(pending);
        QCOMPARE(health.status(), 200);
        QVERIFY2(loginsDoneAtHealthz < 8,
                 qPrintable(QStringLiteral("/healthz waited for all logins")));
        QTRY_COMPARE_WITH_TIMEOUT(countAnswered(pending), 8, waitMs);
        for (const auto &login : pending)
            QCOMPARE(login->status(), 401);
        qInfo("logins answered when /healthz was: %d of 8", loginsDoneAtHealthz);
    }

    void fullQueueAnswers503WithRetryAfter()
    {
        // One thread, one waiting place, an expensive hash: of six logins sent at once two are
        // taken and the others refused (all six arrive long before the first hash is done).
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--login-hash-threads"), QStringLiteral("1"),
                                QStringLiteral("--login-queue"), QStringLiteral("1"),
                                QStringLiteral("--login-max-failures"), QStringLiteral("1000") },
                              { { QStringLiteral("SLUICE_SCRYPT_LOG_N"), scryptCost(17) } }),
                 qPrintable(server.errorString()));
        auto pending = logins(server.port(), 6, QStringLiteral("nobody"), QStringLiteral("pw"));
        QTRY_COMPARE_WITH_TIMEOUT(countAnswered(pending), 6, waitMs);
        int busy = 0;
        int checked = 0;
        for (const auto &login : pending) {
            if (login->status() == 503) {
                ++busy;
                QCOMPARE(login->json().value(QStringLiteral("code")).toString(),
                         QStringLiteral("LOGIN_BUSY"));
                QVERIFY(login->json().value(QStringLiteral("error")).isString());
                bool ok = false;
                QVERIFY(login->header("Retry-After").toInt(&ok) >= 1 && ok);
                // Finished like every other reply.
                QCOMPARE(login->header("Cache-Control"), QByteArray("no-store"));
                QCOMPARE(login->header("X-Content-Type-Options"), QByteArray("nosniff"));
            } else {
                QCOMPARE(login->status(), 401);
                ++checked;
            }
        }
        QVERIFY2(checked >= 2 && busy >= 1,
                 qPrintable(QStringLiteral("%1 checked, %2 busy").arg(checked).arg(busy)));
        QVERIFY(server.logOutput().contains(QLatin1String("POST /api/auth/login 503")));
    }

    void spentHashBudgetAnswers503()
    {
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--login-hash-rate"), QStringLiteral("1") }),
                 qPrintable(server.errorString()));
        QVERIFY2(server.addUser(QStringLiteral("erin"), QStringLiteral("erin-password-1")),
                 qPrintable(server.errorString()));
        HttpClient http(server.baseUrl());
        const QJsonObject right { { QStringLiteral("username"), QStringLiteral("erin") },
                                  { QStringLiteral("password"),
                                    QStringLiteral("erin-password-1") } };
        QCOMPARE(http.postJson(loginPath, right).status, 200);
        // One hash per second for the whole server: the next login right away is refused before
        // its password is looked at, and says when to come back.
        const HttpResponse refused = http.postJson(loginPath, right);
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.errorCode(), QStringLiteral("LOGIN_BUSY"));
        QCOMPARE(refused.header("Retry-After"), QByteArray("1"));
        QVERIFY(!refused.object().contains(QStringLiteral("accessToken")));
        QTest::qWait(1100);
        QCOMPARE(http.postJson(loginPath, right).status, 200);
    }

    void clientLeavingWhileItsPasswordIsChecked()
    {
        // An expensive hash and one thread: the clients are surely gone before their checks end.
        const ServerProcess::Env slow { { QStringLiteral("SLUICE_SCRYPT_LOG_N"), scryptCost(18) } };
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--login-hash-threads"), QStringLiteral("1"),
                                QStringLiteral("--log-level"), QStringLiteral("debug") },
                              slow),
                 qPrintable(server.errorString()));
        QVERIFY2(server.addUser(QStringLiteral("frank"), QStringLiteral("frank-password-1"), slow),
                 qPrintable(server.errorString()));
        // Three clients leave: one while its hash runs, two while they wait for the thread (the
        // server deletes their sockets before their checks even start).
        auto leaving
            = logins(server.port(), 3, QStringLiteral("frank"), QStringLiteral("frank-password-1"));
        QTRY_COMPARE_WITH_TIMEOUT(server.logOutput().count(QLatin1String("password check queued")),
                                  3, waitMs);
        for (auto &login : leaving)
            login->abort();
        // Logged as "client closed request", and no tokens were issued for them.
        QTRY_COMPARE_WITH_TIMEOUT(
            server.logOutput().count(QLatin1String("POST /api/auth/login 499")), 3, waitMs);
        QVERIFY(!server.logOutput().contains(QLatin1String("logged in from")));
        QVERIFY(server.isRunning());
        // The server is unharmed: the next login works.
        HttpClient http(server.baseUrl());
        QVERIFY(!http.login(QStringLiteral("frank"), QStringLiteral("frank-password-1")).isEmpty());
    }

    void weakerHashUpgradedOnLogin()
    {
        const int serverCost = ServerProcess::testScryptLogN;
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const ServerProcess::Env weak { { QStringLiteral("SLUICE_SCRYPT_LOG_N"),
                                          scryptCost(serverCost - 2) } };
        const ServerProcess::Env strong { { QStringLiteral("SLUICE_SCRYPT_LOG_N"),
                                            scryptCost(serverCost + 1) } };
        QVERIFY(server.addUser(QStringLiteral("grace"), QStringLiteral("grace-password-1"), weak));
        QVERIFY(
            server.addUser(QStringLiteral("heidi"), QStringLiteral("heidi-password-1"), strong));
        const QByteArray weakHash = storedHash(server, QStringLiteral("grace"));
        const QByteArray strongHash = storedHash(server, QStringLiteral("heidi"));
        QVERIFY2(weakHash.startsWith(
                     QByteArray("$scrypt$ln=" + QByteArray::number(serverCost - 2) + ',')),
                 weakHash.constData());

        HttpClient http(server.baseUrl());
        // A wrong password upgrades nothing.
        QCOMPARE(http.postJson(loginPath,
                               { { QStringLiteral("username"), QStringLiteral("grace") },
                                 { QStringLiteral("password"), QStringLiteral("nope") } })
                     .status,
                 401);
        QCOMPARE(storedHash(server, QStringLiteral("grace")), weakHash);

        QVERIFY(!http.login(QStringLiteral("grace"), QStringLiteral("grace-password-1")).isEmpty());
        const QByteArray upgraded = storedHash(server, QStringLiteral("grace"));
        QVERIFY2(upgraded.startsWith(
                     QByteArray("$scrypt$ln=" + QByteArray::number(serverCost) + ",r=8,p=1$")),
                 upgraded.constData());
        QVERIFY(server.logOutput().contains(QLatin1String("upgraded to scrypt ln=")));
        // The password still works against the new hash, which stays as it is.
        QVERIFY(!http.login(QStringLiteral("grace"), QStringLiteral("grace-password-1")).isEmpty());
        QCOMPARE(storedHash(server, QStringLiteral("grace")), upgraded);
        // A stronger hash than the server's is never downgraded.
        QVERIFY(!http.login(QStringLiteral("heidi"), QStringLiteral("heidi-password-1")).isEmpty());
        QCOMPARE(storedHash(server, QStringLiteral("heidi")), strongHash);
        QCOMPARE(server.logOutput().count(QLatin1String("upgraded to scrypt ln=")), 1);
    }

    void failuresFromOneAddressDoNotLockOutAnother()
    {
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--login-max-failures"), QStringLiteral("3") }),
                 qPrintable(server.errorString()));
        QVERIFY(server.addUser(QStringLiteral("ivan"), QStringLiteral("ivan-password-1")));
        const QHostAddress attacker(QStringLiteral("127.0.0.2"));
        for (int i = 0; i < 3; ++i) {
            RawExchange failure(server.port(), "POST", loginPath.toLatin1(),
                                loginBody(QStringLiteral("ivan"), QStringLiteral("guess")),
                                attacker);
            QTRY_VERIFY_WITH_TIMEOUT(failure.poll(), waitMs);
            QCOMPARE(failure.status(), 401);
        }
        RawExchange blocked(server.port(), "POST", loginPath.toLatin1(),
                            loginBody(QStringLiteral("ivan"), QStringLiteral("ivan-password-1")),
                            attacker);
        QTRY_VERIFY_WITH_TIMEOUT(blocked.poll(), waitMs);
        QCOMPARE(blocked.status(), 429);
        // Ivan himself, from his own address, is not affected.
        RawExchange own(server.port(), "POST", loginPath.toLatin1(),
                        loginBody(QStringLiteral("ivan"), QStringLiteral("ivan-password-1")),
                        QHostAddress(QStringLiteral("127.0.0.1")));
        QTRY_VERIFY_WITH_TIMEOUT(own.poll(), waitMs);
        QCOMPARE(own.status(), 200);
    }
};

QTEST_GUILESS_MAIN(TestLoginPool)
#include "tst_loginpool.moc"
