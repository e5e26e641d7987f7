// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Integration: `sluice-server user add|list|passwd|remove` through QProcess, including its effect
// on a running server (new password works, old one does not; removal ends the account).
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace Sluice::Test;

namespace {

ServerProcess::RunResult user(const QStringList &args, const QString &dataDir,
                              const QByteArray &stdinData = {})
{
    QStringList all { QStringLiteral("user") };
    all << args << QStringLiteral("--data-dir") << dataDir;
    return ServerProcess::run(all, {}, stdinData);
}

} // namespace

class TestUserCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addListPasswdRemove()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QString dir = server.dataDir();
        HttpClient http(server.baseUrl());
        auto login = [&](const QString &name, const QString &password) {
            return http
                .postJson(QStringLiteral("/api/auth/login"),
                          { { QStringLiteral("username"), name },
                            { QStringLiteral("password"), password } })
                .status;
        };

        auto r = user({ QStringLiteral("add"), QStringLiteral("alice") }, dir, "first-password\n");
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.stdOut.contains(QLatin1String("alice")));
        QVERIFY(!r.stdOut.contains(QLatin1String("first-password"))
                && !r.stdErr.contains(QLatin1String("first-password")));
        QCOMPARE(login(QStringLiteral("alice"), QStringLiteral("first-password")), 200);

        r = user({ QStringLiteral("add"), QStringLiteral("bob") }, dir,
                 "bob-password\r\n"); // CRLF too
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(login(QStringLiteral("bob"), QStringLiteral("bob-password")), 200);

        r = user({ QStringLiteral("list") }, dir);
        QCOMPARE(r.exitCode, 0);
        const QStringList lines = r.stdOut.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines.at(0).startsWith(QLatin1String("alice\t")));
        QVERIFY(lines.at(1).startsWith(QLatin1String("bob\t")));

        r = user({ QStringLiteral("passwd"), QStringLiteral("alice") }, dir, "second-password\n");
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(login(QStringLiteral("alice"), QStringLiteral("first-password")), 401);
        QCOMPARE(login(QStringLiteral("alice"), QStringLiteral("second-password")), 200);

        r = user({ QStringLiteral("remove"), QStringLiteral("bob") }, dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(login(QStringLiteral("bob"), QStringLiteral("bob-password")), 401);
        r = user({ QStringLiteral("list") }, dir);
        QVERIFY(!r.stdOut.contains(QLatin1String("bob")));
        QVERIFY(!server.logOutput().contains(QLatin1String("second-password")));
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("stdinData");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("duplicate")
            << QStringList { QStringLiteral("add"), QStringLiteral("taken") }
            << QByteArray("another-password\n") << 1 << QStringLiteral("already exists");
        QTest::newRow("short password")
            << QStringList { QStringLiteral("add"), QStringLiteral("newbie") }
            << QByteArray("short\n") << 1 << QStringLiteral("too short");
        QTest::newRow("empty password")
            << QStringList { QStringLiteral("add"), QStringLiteral("newbie") } << QByteArray("\n")
            << 1 << QStringLiteral("empty");
        QTest::newRow("no stdin") << QStringList { QStringLiteral("add"), QStringLiteral("newbie") }
                                  << QByteArray() << 1 << QStringLiteral("no password");
        QTest::newRow("bad name") << QStringList { QStringLiteral("add"),
                                                   QStringLiteral("bad name") }
                                  << QByteArray("long-enough-password\n") << 1
                                  << QStringLiteral("invalid user name");
        QTest::newRow("unknown user passwd")
            << QStringList { QStringLiteral("passwd"), QStringLiteral("ghost") }
            << QByteArray("long-enough-password\n") << 1 << QStringLiteral("no user named");
        QTest::newRow("unknown user remove")
            << QStringList { QStringLiteral("remove"), QStringLiteral("ghost") } << QByteArray()
            << 1 << QStringLiteral("no user named");
        QTest::newRow("passwd short")
            << QStringList { QStringLiteral("passwd"), QStringLiteral("taken") }
            << QByteArray("1234567\n") << 1 << QStringLiteral("too short");
        QTest::newRow("unknown command") << QStringList { QStringLiteral("frobnicate") }
                                         << QByteArray() << 2 << QStringLiteral("unknown command");
        QTest::newRow("missing command")
            << QStringList {} << QByteArray() << 2 << QStringLiteral("missing command");
        QTest::newRow("add without name") << QStringList { QStringLiteral("add") } << QByteArray()
                                          << 2 << QStringLiteral("exactly one user name");
        QTest::newRow("unknown option")
            << QStringList { QStringLiteral("list"), QStringLiteral("--frob") } << QByteArray() << 2
            << QStringLiteral("unknown option");
    }
    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, stdinData);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QCOMPARE(
            user({ QStringLiteral("add"), QStringLiteral("taken") }, dir.path(), "taken-password\n")
                .exitCode,
            0);
        const auto r = user(args, dir.path(), stdinData);
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.stdErr.contains(message), qPrintable(r.stdErr));
        // Nothing half-done: the account list is unchanged.
        const auto list = user({ QStringLiteral("list") }, dir.path());
        QCOMPARE(list.stdOut.split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 1);
        QVERIFY(user({ QStringLiteral("passwd"), QStringLiteral("taken") }, dir.path(),
                     "taken-password\n")
                    .exitCode
                == 0);
    }

    void listWithoutDatabase()
    {
        QTemporaryDir dir;
        const auto r = user({ QStringLiteral("list") }, dir.path());
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.stdErr.contains(QLatin1String("no database")));
    }

    void hashCostFromTheEnvironment()
    {
        QTemporaryDir dir;
        const QStringList add { QStringLiteral("user"), QStringLiteral("add"),
                                QStringLiteral("kim"), QStringLiteral("--data-dir"), dir.path() };
        // Out of range: refused before the password is read.
        auto r = ServerProcess::run(
            add, { { QStringLiteral("SLUICE_SCRYPT_LOG_N"), QStringLiteral("9") } },
            "kim-password-1\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdErr.contains(QLatin1String("SLUICE_SCRYPT_LOG_N")), qPrintable(r.stdErr));
        r = ServerProcess::run(add,
                               { { QStringLiteral("SLUICE_SCRYPT_LOG_N"), QStringLiteral("11") } },
                               "kim-password-1\n");
        QCOMPARE(r.exitCode, 0);
    }

    // The bus is told after the change is committed: when it cannot be reached, the change
    // stands and the operator learns when streams end instead.
    void unreachableBusIsAWarning()
    {
        QTemporaryDir dir;
        QCOMPARE(
            user({ QStringLiteral("add"), QStringLiteral("lee") }, dir.path(), "lee-password-1\n")
                .exitCode,
            0);
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        const QStringList noBus { QStringLiteral("--redis"),
                                  QStringLiteral("redis://127.0.0.1:1") };
        auto r = user(QStringList { QStringLiteral("passwd"), QStringLiteral("lee") } + noBus,
                      dir.path(), "lee-password-2\n");
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.stdOut.contains(QLatin1String("changed")));
        QVERIFY2(r.stdErr.contains(QLatin1String("warning"))
                     && r.stdErr.contains(QLatin1String("next periodic check")),
                 qPrintable(r.stdErr));
        r = ServerProcess::run(
            { QStringLiteral("user"), QStringLiteral("remove"), QStringLiteral("lee"),
              QStringLiteral("--data-dir"), dir.path() },
            { { QStringLiteral("SLUICE_REDIS"), QStringLiteral("redis://127.0.0.1:1") } });
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.stdErr.contains(QLatin1String("next periodic check")), qPrintable(r.stdErr));
        QVERIFY(
            !user({ QStringLiteral("list") }, dir.path()).stdOut.contains(QLatin1String("lee")));
        // A URL the server would refuse is refused here too, before anything changes.
        r = user({ QStringLiteral("list"), QStringLiteral("--redis"),
                   QStringLiteral("http://127.0.0.1:6379") },
                 dir.path());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stdErr.contains(QLatin1String("--redis takes")), qPrintable(r.stdErr));
    }

    void help()
    {
        const auto r = ServerProcess::run({ QStringLiteral("user"), QStringLiteral("--help") });
        QCOMPARE(r.exitCode, 0);
        for (const char *command :
             { "add NAME", "list", "passwd NAME", "remove NAME", "--data-dir", "--redis" })
            QVERIFY2(r.stdOut.contains(QLatin1String(command)), command);
    }
};

QTEST_GUILESS_MAIN(TestUserCli)
#include "tst_usercli.moc"
