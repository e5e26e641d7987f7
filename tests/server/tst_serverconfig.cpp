// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-server configuration: flags > env > defaults, --help/--version, one clear line for every
// invalid configuration, key files generated 0600 and reused, production mode, SIGTERM → exit 0.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

using namespace Sluice::Test;

class TestServerConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpDocumentsEveryOption();
    void version();
    void invalidConfigurationFailsWithOneLine_data();
    void invalidConfigurationFailsWithOneLine();
    void flagsWinOverEnvironment();
    void environmentIsUsed();
    void keyFilesAreGeneratedOnceWithMode0600();
    void productionModeNeedsConfiguredKeys();
    void productionModeGeneratesKeysWhenAsked();
    void sigtermExitsCleanly();
    void logLevelFiltersRequestLog();
    void demoPrintsWorkingCredentials();
    void securitySettings();

private:
    QTemporaryDir m_tmp;
};

void TestServerConfig::helpDocumentsEveryOption()
{
    const auto result = ServerProcess::run({ QStringLiteral("--help") });
    QVERIFY(result.finished);
    QCOMPARE(result.exitCode, 0);
    const QStringList expected {
        QStringLiteral("--host"),
        QStringLiteral("SLUICE_HOST"),
        QStringLiteral("--port"),
        QStringLiteral("SLUICE_PORT"),
        QStringLiteral("--data-dir"),
        QStringLiteral("SLUICE_DATA_DIR"),
        QStringLiteral("--cors-origins"),
        QStringLiteral("SLUICE_CORS_ORIGINS"),
        QStringLiteral("CORS_ORIGIN"),
        QStringLiteral("--access-token-ttl"),
        QStringLiteral("--refresh-token-ttl"),
        QStringLiteral("--stream-token-ttl"),
        QStringLiteral("--token-leeway"),
        QStringLiteral("--access-key-file"),
        QStringLiteral("--stream-key-file"),
        QStringLiteral("SLUICE_ACCESS_KEY"),
        QStringLiteral("--production"),
        QStringLiteral("SLUICE_ENV"),
        QStringLiteral("--generate-keys"),
        QStringLiteral("SLUICE_GENERATE_KEYS"),
        QStringLiteral("--cookie-mode"),
        QStringLiteral("--log-level"),
        QStringLiteral("--demo"),
        QStringLiteral("--max-body-bytes"),
        QStringLiteral("--max-connections"),
        QStringLiteral("--idle-timeout"),
        QStringLiteral("--login-max-failures"),
        QStringLiteral("--login-window"),
        QStringLiteral("--max-sessions-per-user"),
        QStringLiteral("--max-prompts-per-user"),
        QStringLiteral("--max-events-per-prompt"),
        QStringLiteral("--max-bytes-per-prompt"),
        QStringLiteral("--publish-rate"),
        QStringLiteral("--publish-burst"),
        QStringLiteral("--retention"),
        QStringLiteral("SLUICE_RETENTION"),
        QStringLiteral("--version"),
    };
    for (const QString &word : expected)
        QVERIFY2(result.stdOut.contains(word), qPrintable(word));
}

void TestServerConfig::version()
{
    const auto result = ServerProcess::run({ QStringLiteral("--version") });
    QVERIFY(result.finished);
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(QRegularExpression(QStringLiteral("^sluice-server \\d+\\.\\d+\\.\\d+\\n$"))
                 .match(result.stdOut)
                 .hasMatch(),
             qPrintable(result.stdOut));
}

void TestServerConfig::invalidConfigurationFailsWithOneLine_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<ServerProcess::Env>("env");
    QTest::addColumn<QString>("expected");

    const QString missingKey = m_tmp.filePath(QStringLiteral("does-not-exist.key"));
    const QString shortKey = m_tmp.filePath(QStringLiteral("short.key"));
    {
        QFile file(shortKey);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("too-short");
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner); // as keys should be
    }
    using Env = ServerProcess::Env;
    QTest::newRow("star flag") << QStringList { QStringLiteral("--cors-origins"),
                                                QStringLiteral("*") }
                               << Env {} << QStringLiteral("\"*\" is not allowed");
    QTest::newRow("star in list env")
        << QStringList {}
        << Env { { QStringLiteral("SLUICE_CORS_ORIGINS"), QStringLiteral("https://a.example,*") } }
        << QStringLiteral("SLUICE_CORS_ORIGINS: \"*\" is not allowed");
    QTest::newRow("star CORS_ORIGIN")
        << QStringList {} << Env { { QStringLiteral("CORS_ORIGIN"), QStringLiteral("*") } }
        << QStringLiteral("CORS_ORIGIN: \"*\" is not allowed");
    QTest::newRow("origin with path")
        << QStringList { QStringLiteral("--cors-origins"), QStringLiteral("https://a.example/app") }
        << Env {} << QStringLiteral("must be exactly scheme://host[:port]");
    QTest::newRow("origin with trailing slash")
        << QStringList { QStringLiteral("--cors-origins"), QStringLiteral("https://a.example/") }
        << Env {} << QStringLiteral("must not end with a slash");
    QTest::newRow("null origin") << QStringList { QStringLiteral("--cors-origins"),
                                                  QStringLiteral("null") }
                                 << Env {} << QStringLiteral("\"null\"");
    QTest::newRow("access ttl too short")
        << QStringList { QStringLiteral("--access-token-ttl"), QStringLiteral("5s") } << Env {}
        << QStringLiteral("--access-token-ttl: 5s is out of range");
    QTest::newRow("stream ttl too long")
        << QStringList {}
        << Env { { QStringLiteral("SLUICE_STREAM_TOKEN_TTL"), QStringLiteral("301") } }
        << QStringLiteral("SLUICE_STREAM_TOKEN_TTL: 301 is out of range");
    QTest::newRow("ttl not a duration")
        << QStringList { QStringLiteral("--refresh-token-ttl"), QStringLiteral("forever") }
        << Env {} << QStringLiteral("is not a duration");
    QTest::newRow("unreadable access key file")
        << QStringList { QStringLiteral("--access-key-file"), missingKey } << Env {}
        << QStringLiteral("access key file %1 is not readable").arg(missingKey);
    QTest::newRow("unreadable stream key file env")
        << QStringList {} << Env { { QStringLiteral("SLUICE_STREAM_KEY_FILE"), missingKey } }
        << QStringLiteral("stream key file %1 is not readable").arg(missingKey);
    QTest::newRow("key too short") << QStringList { QStringLiteral("--access-key-file"), shortKey }
                                   << Env {} << QStringLiteral("too short");
    QTest::newRow("bad port") << QStringList { QStringLiteral("--port"), QStringLiteral("70000") }
                              << Env {} << QStringLiteral("--port: 70000 is out of range");
    QTest::newRow("bad log level")
        << QStringList {} << Env { { QStringLiteral("SLUICE_LOG_LEVEL"), QStringLiteral("loud") } }
        << QStringLiteral("SLUICE_LOG_LEVEL");
    QTest::newRow("redis not redis://")
        << QStringList { QStringLiteral("--redis"), QStringLiteral("http://127.0.0.1:6379") }
        << Env {} << QStringLiteral("--redis takes redis://host:port");
    QTest::newRow("redis port 0")
        << QStringList {}
        << Env { { QStringLiteral("SLUICE_REDIS"), QStringLiteral("redis://127.0.0.1:0") } }
        << QStringLiteral("SLUICE_REDIS: --redis takes redis://host:port");
    QTest::newRow("unknown flag") << QStringList { QStringLiteral("--no-such-flag") } << Env {}
                                  << QStringLiteral("no-such-flag");
    QTest::newRow("cookie mode in production without https")
        << QStringList { QStringLiteral("--production"), QStringLiteral("--cookie-mode"),
                         QStringLiteral("on") }
        << Env {} << QStringLiteral("cookie mode in production needs HTTPS (--behind-https)");
    QTest::newRow("heartbeat not below the idle timeout")
        << QStringList { QStringLiteral("--heartbeat-interval"), QStringLiteral("60s"),
                         QStringLiteral("--idle-timeout"), QStringLiteral("30s") }
        << Env {} << QStringLiteral("must be shorter than --idle-timeout");
    QTest::newRow("negative quota")
        << QStringList { QStringLiteral("--max-sessions-per-user"), QStringLiteral("-1") } << Env {}
        << QStringLiteral("--max-sessions-per-user: -1 is out of range");
    QTest::newRow("byte quota not a number")
        << QStringList {}
        << Env { { QStringLiteral("SLUICE_MAX_BYTES_PER_PROMPT"), QStringLiteral("1G") } }
        << QStringLiteral("SLUICE_MAX_BYTES_PER_PROMPT: \"1G\" is not an integer");
    QTest::newRow("publish burst zero")
        << QStringList { QStringLiteral("--publish-burst"), QStringLiteral("0") } << Env {}
        << QStringLiteral("--publish-burst: 0 is out of range");
    QTest::newRow("retention too short")
        << QStringList { QStringLiteral("--retention"), QStringLiteral("30s") } << Env {}
        << QStringLiteral("--retention: 30s is out of range [1m, 3650d]");
    QTest::newRow("retention not a duration")
        << QStringList { QStringLiteral("--retention"), QStringLiteral("forever") } << Env {}
        << QStringLiteral("is not a duration");
    QTest::newRow("metrics token too short")
        << QStringList {}
        << Env { { QStringLiteral("SLUICE_METRICS_TOKEN"), QStringLiteral("short") } }
        << QStringLiteral("the metrics token from the environment is shorter than 16 bytes");
    QTest::newRow("weak password hashes in production")
        << QStringList { QStringLiteral("--production"), QStringLiteral("--scrypt-log-n"),
                         QStringLiteral("16") }
        << Env {} << QStringLiteral("--scrypt-log-n 16 is below OWASP's minimum (17)");
    QTest::newRow("scrypt cost out of range")
        << QStringList {} << Env { { QStringLiteral("SLUICE_SCRYPT_LOG_N"), QStringLiteral("21") } }
        << QStringLiteral("SLUICE_SCRYPT_LOG_N: 21 is out of range");
}

void TestServerConfig::invalidConfigurationFailsWithOneLine()
{
    QFETCH(QStringList, args);
    QFETCH(ServerProcess::Env, env);
    QFETCH(QString, expected);

    QTemporaryDir dataDir;
    QVERIFY(dataDir.isValid());
    const auto result
        = ServerProcess::run(QStringList { QStringLiteral("--port"), QStringLiteral("0"),
                                           QStringLiteral("--data-dir"), dataDir.path() }
                                 + args,
                             env);
    QVERIFY(result.finished);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(!result.stdOut.contains(QLatin1String("listening")), qPrintable(result.stdOut));
    const QStringList lines = result.stdErr.split(u'\n', Qt::SkipEmptyParts);
    QVERIFY2(lines.size() == 1, qPrintable(result.stdErr));
    QVERIFY2(lines.constFirst().startsWith(QLatin1String("sluice-server: ")),
             qPrintable(lines.constFirst()));
    QVERIFY2(lines.constFirst().contains(expected), qPrintable(lines.constFirst()));
}

void TestServerConfig::flagsWinOverEnvironment()
{
    ServerProcess server;
    // The environment holds an invalid TTL and another origin: flags must override both.
    QVERIFY2(server.start(
                 { QStringLiteral("--cors-origins"), QStringLiteral("https://flag.example"),
                   QStringLiteral("--access-token-ttl"), QStringLiteral("10m") },
                 { { QStringLiteral("SLUICE_CORS_ORIGINS"), QStringLiteral("https://env.example") },
                   { QStringLiteral("SLUICE_ACCESS_TOKEN_TTL"), QStringLiteral("1s") },
                   { QStringLiteral("SLUICE_PORT"), QStringLiteral("1") } }),
             qPrintable(server.errorString()));
    HttpClient http(server.baseUrl());
    const auto fromFlag
        = http.get(QStringLiteral("/healthz"), { { "Origin", "https://flag.example" } });
    QCOMPARE(fromFlag.status, 200);
    QCOMPARE(fromFlag.header("Access-Control-Allow-Origin"), QByteArray("https://flag.example"));
    const auto fromEnv
        = http.get(QStringLiteral("/healthz"), { { "Origin", "https://env.example" } });
    QCOMPARE(fromEnv.status, 200);
    QVERIFY(!fromEnv.hasHeader("Access-Control-Allow-Origin"));
}

void TestServerConfig::environmentIsUsed()
{
    ServerProcess server;
    QVERIFY2(
        server.start(
            {}, { { QStringLiteral("CORS_ORIGIN"), QStringLiteral("http://localhost:5173") } }),
        qPrintable(server.errorString()));
    HttpClient http(server.baseUrl());
    const auto reply
        = http.get(QStringLiteral("/healthz"), { { "Origin", "http://localhost:5173" } });
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.header("Access-Control-Allow-Origin"), QByteArray("http://localhost:5173"));
}

void TestServerConfig::keyFilesAreGeneratedOnceWithMode0600()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    const QString accessPath = server.dataDir() + QStringLiteral("/access.key");
    const QString streamPath = server.dataDir() + QStringLiteral("/stream.key");
    for (const QString &path : { accessPath, streamPath }) {
        const QFileInfo info(path);
        QVERIFY2(info.exists(), qPrintable(path));
        QCOMPARE(info.permissions() & ~(QFile::ReadUser | QFile::WriteUser),
                 QFile::ReadOwner | QFile::WriteOwner);
        QVERIFY(info.size() >= 32);
    }
    QFile access(accessPath);
    QVERIFY(access.open(QIODevice::ReadOnly));
    const QByteArray accessKey = access.readAll();
    access.close();
    QFile stream(streamPath);
    QVERIFY(stream.open(QIODevice::ReadOnly));
    const QByteArray streamKey = stream.readAll();
    stream.close();
    QVERIFY(accessKey != streamKey);
    // No key material in the log.
    QVERIFY(!server.logOutput().contains(QString::fromLatin1(accessKey.trimmed())));
    QVERIFY(!server.logOutput().contains(QString::fromLatin1(streamKey.trimmed())));
    QVERIFY(server.stop());

    // A second start reuses the keys.
    const auto result = ServerProcess::run(
        { QStringLiteral("--data-dir"), server.dataDir(), QStringLiteral("--print-routes") });
    QCOMPARE(result.exitCode, 0);
    QVERIFY(access.open(QIODevice::ReadOnly));
    QCOMPARE(access.readAll(), accessKey);
}

void TestServerConfig::productionModeNeedsConfiguredKeys()
{
    QTemporaryDir dataDir;
    const auto refused = ServerProcess::run(
        { QStringLiteral("--data-dir"), dataDir.path(), QStringLiteral("--print-routes") },
        { { QStringLiteral("SLUICE_ENV"), QStringLiteral("production") },
          { QStringLiteral("SLUICE_SCRYPT_LOG_N"), QString() } });
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(
        refused.stdErr.contains(QLatin1String("production mode needs a configured access key")),
        qPrintable(refused.stdErr));
    QVERIFY(!QFileInfo::exists(dataDir.filePath(QStringLiteral("access.key"))));

    const QString accessKey = m_tmp.filePath(QStringLiteral("prod-access.key"));
    QFile file(accessKey);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(40, 'a') + '\n');
    file.close();
    // A key file others may read is refused in production (and only warned about in dev mode).
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup
                                | QFile::ReadOther));
    const auto open = ServerProcess::run(
        { QStringLiteral("--data-dir"), dataDir.path(), QStringLiteral("--production"),
          QStringLiteral("--access-key-file"), accessKey, QStringLiteral("--print-routes") },
        { { QStringLiteral("SLUICE_STREAM_KEY"), QString(40, u'b') },
          { QStringLiteral("SLUICE_SCRYPT_LOG_N"), QString() } });
    QCOMPARE(open.exitCode, 2);
    QVERIFY2(open.stdErr.contains(QLatin1String("can be read or written by its group or others "
                                                "(mode 644): chmod 600")),
             qPrintable(open.stdErr));
    const auto dev = ServerProcess::run(
        { QStringLiteral("--data-dir"), dataDir.path(), QStringLiteral("--access-key-file"),
          accessKey, QStringLiteral("--print-routes") },
        { { QStringLiteral("SLUICE_STREAM_KEY"), QString(40, u'b') } });
    QCOMPARE(dev.exitCode, 0);
    QVERIFY2(dev.stdErr.contains(QLatin1String("chmod 600")), qPrintable(dev.stdErr));
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
    ServerProcess server;
    QVERIFY2(server.start(
                 { QStringLiteral("--production"), QStringLiteral("--access-key-file"), accessKey },
                 { { QStringLiteral("SLUICE_STREAM_KEY"), QString(40, u'b') },
                   { QStringLiteral("SLUICE_SCRYPT_LOG_N"), QString() } }),
             qPrintable(server.errorString()));
    QVERIFY(!QFileInfo::exists(server.dataDir() + QStringLiteral("/access.key")));
    QVERIFY(!server.logOutput().contains(QString(40, u'b')));
}

// The packaged service: production mode, no keys configured, SLUICE_GENERATE_KEYS=on.
void TestServerConfig::productionModeGeneratesKeysWhenAsked()
{
    QTemporaryDir dataDir;
    const ServerProcess::Env env { { QStringLiteral("SLUICE_ENV"), QStringLiteral("production") },
                                   { QStringLiteral("SLUICE_GENERATE_KEYS"), QStringLiteral("on") },
                                   { QStringLiteral("SLUICE_SCRYPT_LOG_N"), QString() } };
    const auto first = ServerProcess::run(
        { QStringLiteral("--data-dir"), dataDir.path(), QStringLiteral("--print-routes") }, env);
    QVERIFY2(first.exitCode == 0, qPrintable(first.stdErr));
    const QString accessPath = dataDir.filePath(QStringLiteral("access.key"));
    QFile access(accessPath);
    QVERIFY(access.open(QIODevice::ReadOnly));
    const QByteArray accessKey = access.readAll();
    access.close();
    QCOMPARE(QFileInfo(accessPath).permissions() & ~(QFile::ReadUser | QFile::WriteUser),
             QFile::ReadOwner | QFile::WriteOwner);
    QVERIFY(QFileInfo::exists(dataDir.filePath(QStringLiteral("stream.key"))));

    // The second start reads them (production checks their mode) instead of replacing them.
    const auto second = ServerProcess::run(
        { QStringLiteral("--data-dir"), dataDir.path(), QStringLiteral("--print-routes") }, env);
    QVERIFY2(second.exitCode == 0, qPrintable(second.stdErr));
    QVERIFY(access.open(QIODevice::ReadOnly));
    QCOMPARE(access.readAll(), accessKey);
}

void TestServerConfig::sigtermExitsCleanly()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    HttpClient http(server.baseUrl());
    QCOMPARE(http.get(QStringLiteral("/healthz")).status, 200);
    QVERIFY(server.stop());
    QCOMPARE(server.exitCode(), 0);
    QVERIFY(server.logOutput().contains(QLatin1String("shutting down")));
}

void TestServerConfig::logLevelFiltersRequestLog()
{
    ServerProcess quiet;
    QVERIFY2(quiet.start({ QStringLiteral("--log-level"), QStringLiteral("warning") }),
             qPrintable(quiet.errorString()));
    HttpClient http(quiet.baseUrl());
    QCOMPARE(http.get(QStringLiteral("/healthz?quiet=1")).status, 200);
    QVERIFY(quiet.stop());
    QVERIFY2(!quiet.logOutput().contains(QLatin1String("quiet=1")), qPrintable(quiet.logOutput()));
    QVERIFY(!quiet.logOutput().contains(QLatin1String(" info ")));

    ServerProcess verbose;
    QVERIFY2(verbose.start({}, { { QStringLiteral("SLUICE_LOG_LEVEL"), QStringLiteral("debug") } }),
             qPrintable(verbose.errorString()));
    HttpClient http2(verbose.baseUrl());
    QCOMPARE(http2.get(QStringLiteral("/healthz?loud=1")).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(verbose.logOutput().contains(QLatin1String("GET /healthz?loud=1 200")),
                             30000);
}

void TestServerConfig::demoPrintsWorkingCredentials()
{
    ServerProcess server;
    QVERIFY2(server.start({ QStringLiteral("--demo") }), qPrintable(server.errorString()));
    static const QRegularExpression credentials(
        QStringLiteral("demo user: (\\S+)  password: (\\S+)\\n"));
    QTRY_VERIFY_WITH_TIMEOUT(credentials.match(server.logOutput()).hasMatch(), 30000);
    const auto match = credentials.match(server.logOutput());
    QCOMPARE(match.captured(1), QStringLiteral("demo"));
    const QString password = match.captured(2);
    QVERIFY(password.size() >= 12);
    // Printed once for the operator, never through the log categories.
    QCOMPARE(server.logOutput().count(password), 1);
    HttpClient http(server.baseUrl());
    QVERIFY(!http.login(QStringLiteral("demo"), password).isEmpty());

    // --demo is refused in production.
    const auto refused
        = ServerProcess::run({ QStringLiteral("--demo"), QStringLiteral("--production"),
                               QStringLiteral("--print-routes") },
                             { { QStringLiteral("SLUICE_ACCESS_KEY"), QString(40, u'a') },
                               { QStringLiteral("SLUICE_STREAM_KEY"), QString(40, u'b') },
                               { QStringLiteral("SLUICE_SCRYPT_LOG_N"), QString() } });
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.stdErr.contains(QLatin1String("--demo")), qPrintable(refused.stdErr));
}

QTEST_GUILESS_MAIN(TestServerConfig)
#include "tst_serverconfig.moc"

// What production hardening looks like from outside: the metrics token, the __Secure- cookie over
// HTTPS, a database only its owner can read, a producer key sent twice.
void TestServerConfig::securitySettings()
{
    const QByteArray metricsToken = "metrics-token-0123456789";
    const QByteArray producerKey = "producer-key-0123456789";
    ServerProcess server;
    QVERIFY2(server.start(
                 { QStringLiteral("--behind-https"), QStringLiteral("--cookie-mode"),
                   QStringLiteral("on") },
                 { { QStringLiteral("SLUICE_METRICS_TOKEN"), QString::fromLatin1(metricsToken) },
                   { QStringLiteral("SLUICE_PRODUCER_KEY"), QString::fromLatin1(producerKey) } }),
             qPrintable(server.errorString()));
    HttpClient http(server.baseUrl());
    QCOMPARE(http.get(QStringLiteral("/metrics")).status, 401);
    QCOMPARE(
        http.get(QStringLiteral("/metrics"), HttpClient::bearer("wrong-token-0123456789")).status,
        401);
    const HttpResponse metrics
        = http.get(QStringLiteral("/metrics"), HttpClient::bearer(metricsToken));
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.body.contains("sluice_http_requests_total"));

    QVERIFY(server.addUser(QStringLiteral("hank"), QStringLiteral("hank-password-1")));
    const HttpResponse login
        = http.postJson(QStringLiteral("/api/auth/login"),
                        { { QStringLiteral("username"), QStringLiteral("hank") },
                          { QStringLiteral("password"), QStringLiteral("hank-password-1") } });
    QCOMPARE(login.status, 200);
    const QByteArray cookie = login.header("Set-Cookie");
    QVERIFY2(cookie.startsWith("__Secure-sluice_access="), cookie.constData());
    QVERIFY2(cookie.contains("; Secure") && cookie.contains("; HttpOnly"), cookie.constData());

    for (const QString &name : { QStringLiteral("sluice.db"), QStringLiteral("sluice.db-wal") }) {
        const QFileInfo db(server.dataDir() + u'/' + name);
        QVERIFY2(db.exists(), qPrintable(name));
        QCOMPARE(db.permissions() & ~(QFile::ReadUser | QFile::WriteUser),
                 QFile::ReadOwner | QFile::WriteOwner);
    }

    // The producer key header twice: which one would count is anyone's guess, so neither does.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(socket.waitForConnected(10000));
    const QByteArray body = R"({"type":"message","data":{}})";
    socket.write("POST /api/claude-code/sessions/s/prompts/p/events HTTP/1.1\r\nHost: x\r\n"
                 "Content-Type: application/json\r\nX-Sluice-Producer-Key: "
                 + producerKey + "\r\nX-Sluice-Producer-Key: " + producerKey
                 + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray answer;
    QTRY_VERIFY_WITH_TIMEOUT((answer += socket.readAll()).contains("\r\n\r\n"), 10000);
    QVERIFY2(answer.startsWith("HTTP/1.1 400"), answer.constData());
}
