// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Several sluice-server instances on one PostgreSQL database and one Redis bus (private servers on
// loopback, see support/postgresserver.h and support/redisserver.h): a token minted on A works on
// B, events published through A and B at once to one prompt get one gap-free sequence, a stream
// on B replays what A appended and receives A's live events in order, a Redis restart mid-stream
// loses nothing, a database restart turns publishes into 503 for a moment but loses nothing
// acknowledged (and the first request after it succeeds), and a logout on A or `sluice-server
// user passwd/remove` ends the user's stream on B within a second.
#include "stream/ssereader.h"
#include "stream/streamtestsupport.h"
#include "support/postgresserver.h"
#include "support/redisserver.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonDocument>
#include <QtCore/QProcess>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>
#include <vector>

using namespace Sluice::Test;

namespace {

constexpr int waitMs = 60000;
const QString userName = QStringLiteral("alice");
const QString userPassword = QStringLiteral("alice-password-1");

} // namespace

class tst_Cluster : public QObject
{
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_database;
    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<ServerProcess> m_a;
    std::unique_ptr<ServerProcess> m_b;

    ServerProcess::Env databaseEnv() const
    {
        return { { QStringLiteral("SLUICE_DATABASE"), m_database->url() },
                 { QStringLiteral("SLUICE_DATABASE_PASSWORD"), PostgresServer::password() },
                 { QStringLiteral("SLUICE_REDIS"), m_redis->url() } };
    }

    // Both instances on the database, with A's keys (shared configuration: a token minted on
    // one opens streams on the other).
    bool startInstances()
    {
        m_a = std::make_unique<ServerProcess>();
        m_b = std::make_unique<ServerProcess>();
        if (!m_a->start({}, databaseEnv())) {
            qWarning().noquote() << m_a->errorString() << m_a->logOutput();
            return false;
        }
        const QStringList sharedKeys { QStringLiteral("--access-key-file"),
                                       m_a->dataDir() + QStringLiteral("/access.key"),
                                       QStringLiteral("--stream-key-file"),
                                       m_a->dataDir() + QStringLiteral("/stream.key") };
        if (!m_b->start(sharedKeys, databaseEnv())) {
            qWarning().noquote() << m_b->errorString() << m_b->logOutput();
            return false;
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_database = std::make_unique<PostgresServer>();
        QVERIFY2(m_database->start(), qPrintable(m_database->errorString()));
        m_redis = std::make_unique<RedisServer>();
        QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
        QVERIFY(startInstances());
        // The user CLI writes to the shared database too.
        QVERIFY2(m_a->addUser(userName, userPassword, databaseEnv()),
                 qPrintable(m_a->errorString()));
    }

    void cleanupTestCase()
    {
        m_a.reset();
        m_b.reset();
        m_database.reset(); // stopped even when a case failed
        m_redis.reset();
    }

    void tokenFromAWorksOnBAndBReplaysALog()
    {
        StreamFixture onA;
        QVERIFY(onA.setUp(*m_a, userName, userPassword, false));
        for (int i = 1; i <= 20; ++i)
            QCOMPARE(onA.publish(QStringLiteral("message"), { { QStringLiteral("n"), i } }), i);
        QCOMPARE(onA.publish(QStringLiteral("done")), 21);
        // B has never seen this user log in, nor this prompt created.
        SseReader onB(m_b->port());
        onB.open(onA.promptPath(QStringLiteral("stream")),
                 { { "Authorization", onA.bearerHeader() }, { "Last-Event-ID", "5" } });
        QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), waitMs);
        QCOMPARE(onB.eventIds(), idRange(6, 21));
    }

    // A stream on B receives what is published on A, live, in order, each event once.
    void liveEventsFromAReachB()
    {
        StreamFixture f;
        QVERIFY(f.setUp(*m_a, userName, userPassword, false));
        SseReader onB(m_b->port());
        f.openStream(onB);
        QTRY_VERIFY_WITH_TIMEOUT(onB.events().size() >= 1, waitMs); // connected: live now
        constexpr int count = 300;
        for (int i = 1; i <= count; ++i)
            QCOMPARE(f.publish(QStringLiteral("message"), { { QStringLiteral("n"), i } }), i);
        QTRY_COMPARE_WITH_TIMEOUT(onB.eventIds().size(), count, waitMs);
        QCOMPARE(f.publish(QStringLiteral("done")), count + 1);
        QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), waitMs);
        QCOMPARE(onB.eventIds(), idRange(1, count + 1));
        HttpClient metricsOfB(m_b->baseUrl());
        const QByteArray metrics = metricsOfB.get(QStringLiteral("/metrics")).body;
        QVERIFY(metricValue(metrics, "sluice_bus_received_total") >= count + 1);
        QCOMPARE(metricValue(metrics, "sluice_bus_connected"), 1.0);
        QCOMPARE(metricValue(metrics, "sluice_database_up"), 1.0);
        qInfo("%d events published on A, received live on B in order, each once", count + 1);
    }

    // Redis goes away while B streams what A publishes: what A appends meanwhile reaches B once
    // Redis is back (B re-reads the log from its position), nothing twice.
    void redisRestartLosesNothing()
    {
        StreamFixture f;
        QVERIFY(f.setUp(*m_a, userName, userPassword, false));
        SseReader onB(m_b->port());
        f.openStream(onB);
        QTRY_VERIFY_WITH_TIMEOUT(onB.events().size() >= 1, waitMs);
        for (int i = 1; i <= 50; ++i)
            QCOMPARE(f.publish(QStringLiteral("message")), i);
        QTRY_COMPARE_WITH_TIMEOUT(onB.eventIds().size(), 50, waitMs);
        QVERIFY(m_redis->stop());
        HttpClient healthOfB(m_b->baseUrl());
        QTRY_COMPARE_WITH_TIMEOUT(
            healthOfB.get(QStringLiteral("/healthz")).object().value(QStringLiteral("bus")),
            QJsonValue(QStringLiteral("unreachable")), waitMs);
        QCOMPARE(healthOfB.get(QStringLiteral("/healthz")).status, 200); // still serves
        for (int i = 51; i <= 100; ++i)
            QCOMPARE(f.publish(QStringLiteral("message")), i); // the log takes them
        QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
        QTRY_COMPARE_WITH_TIMEOUT(
            healthOfB.get(QStringLiteral("/healthz")).object().value(QStringLiteral("bus")),
            QJsonValue(QStringLiteral("ok")), waitMs);
        for (int i = 101; i <= 150; ++i)
            QCOMPARE(f.publish(QStringLiteral("message")), i);
        QCOMPARE(f.publish(QStringLiteral("done")), 151);
        QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), waitMs);
        QCOMPARE(onB.eventIds(), idRange(1, 151));
        qInfo("Redis restarted mid-stream: 151 events on B, none lost, none twice");
    }

    // Publishes through A and B at the same moment, to one prompt: each request is acknowledged
    // with its own id, and together they are one gap-free sequence.
    void concurrentPublishesThroughAAndB()
    {
        StreamFixture f;
        QVERIFY(f.setUp(*m_a, userName, userPassword, false));
        constexpr int perInstance = 150;
        QNetworkAccessManager nam;
        QList<qint64> ids;
        int failures = 0;
        int pending = 0;
        for (int i = 0; i < perInstance; ++i) {
            for (ServerProcess *instance : { m_a.get(), m_b.get() }) {
                QNetworkRequest request(instance->url(f.promptPath(QStringLiteral("events"))));
                request.setRawHeader("Content-Type", "application/json");
                request.setRawHeader("Authorization", f.bearerHeader());
                QNetworkReply *reply = nam.post(
                    request,
                    QJsonDocument(
                        QJsonObject { { QStringLiteral("type"), QStringLiteral("message") },
                                      { QStringLiteral("data"), QJsonObject {} } })
                        .toJson(QJsonDocument::Compact));
                ++pending;
                connect(reply, &QNetworkReply::finished, this, [&, reply] {
                    --pending;
                    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
                    if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 201)
                        ids.append(qint64(body.value(QStringLiteral("id")).toDouble()));
                    else
                        ++failures;
                    reply->deleteLater();
                });
            }
        }
        QTRY_COMPARE_WITH_TIMEOUT(pending, 0, waitMs);
        QCOMPARE(failures, 0);
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids, idRange(1, 2 * perInstance));
        QCOMPARE(f.publish(QStringLiteral("done")), 2 * perInstance + 1);
        SseReader reader(m_b->port());
        f.openStream(reader);
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QCOMPARE(reader.eventIds(), idRange(1, 2 * perInstance + 1));
        qInfo("%d publishes through A and B at once: ids 1..%d, each once", 2 * perInstance,
              2 * perInstance);
    }

    // The database goes away and comes back: publishes meanwhile get a clear 503 (nothing
    // half-written); after its restart the very first request of an instance whose connection
    // died idle succeeds (the store reconnects and runs the statement again), /healthz is back
    // to 200, and every acknowledged event is in the log, which has no gap.
    void databaseRestart()
    {
        StreamFixture f;
        QVERIFY(f.setUp(*m_a, userName, userPassword, false));
        QCOMPARE(f.publish(QStringLiteral("message")), 1);
        HttpClient onB(m_b->baseUrl()); // connected before the outage: the restart happens idle
        QVERIFY(m_database->stop());
        HttpClient healthOfA(m_a->baseUrl());
        const HttpResponse down = healthOfA.get(QStringLiteral("/healthz"));
        QCOMPARE(down.status, 503);
        QCOMPARE(down.object().value(QStringLiteral("database")).toString(),
                 QStringLiteral("unreachable"));
        int unavailable = 0;
        for (int i = 0; i < 3; ++i) {
            const HttpResponse r = f.post(QStringLiteral("message"));
            QCOMPARE(r.status, 503);
            QVERIFY2(!r.errorCode().isEmpty(), r.body.constData());
            ++unavailable;
        }
        QVERIFY2(m_database->start(), qPrintable(m_database->errorString()));
        // B made no request while the database was down: its connection is the dead one. Its
        // first request (a publish: the access token's user, the prompt, then the append) must
        // not fail.
        QList<qint64> acknowledged { 1 };
        const auto publishOnB = [&] {
            return onB.postJson(f.promptPath(QStringLiteral("events")),
                                { { QStringLiteral("type"), QStringLiteral("message") },
                                  { QStringLiteral("data"), QJsonObject {} } },
                                HttpClient::bearer(f.token));
        };
        const HttpResponse firstOnB = publishOnB();
        QVERIFY2(firstOnB.status == 201, firstOnB.body.constData());
        acknowledged.append(qint64(firstOnB.object().value(QStringLiteral("id")).toDouble()));
        QVERIFY2(m_b->logOutput().contains(QLatin1String("the statement runs again")),
                 "B's first request did not meet its dead connection: the case is not tested");
        QCOMPARE(onB.get(QStringLiteral("/healthz")).status, 200);
        QCOMPARE(healthOfA.get(QStringLiteral("/healthz")).status, 200);
        for (int i = 0; i < 10; ++i) {
            const HttpResponse r = i % 2 == 0 ? f.post(QStringLiteral("message")) : publishOnB();
            QVERIFY2(r.status == 201, r.body.constData());
            acknowledged.append(qint64(r.object().value(QStringLiteral("id")).toDouble()));
        }
        const qint64 last = f.publish(QStringLiteral("done"));
        QVERIFY(last > 0);
        acknowledged.append(last);
        QCOMPARE(acknowledged, idRange(1, acknowledged.size()));
        SseReader reader(m_b->port());
        f.openStream(reader);
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QCOMPARE(reader.status(), 200);
        QCOMPARE(reader.eventIds(), acknowledged);
        qInfo("database down: %d publishes refused with 503; after its restart the first request "
              "on the other instance and all %lld publishes acknowledged, none lost",
              unavailable, qint64(acknowledged.size()));
    }

    // Clients stream from A while the producer publishes through B; A is SIGKILLed mid-stream
    // and the clients resume on B with Last-Event-ID: every event exactly once, in order. A is
    // started again afterwards (same database) for the cases that follow.
    void sigkillAClientsResumeOnB()
    {
        StreamFixture f;
        QVERIFY(f.setUp(*m_b, userName, userPassword, false));
        constexpr int clients = 5;
        constexpr int total = 200;
        std::vector<std::unique_ptr<SseReader>> readers;
        for (int i = 0; i < clients; ++i) {
            readers.push_back(std::make_unique<SseReader>(m_a->port()));
            f.openStream(*readers.back());
        }
        for (const auto &reader : readers)
            QTRY_VERIFY_WITH_TIMEOUT(reader->events().size() >= 1, waitMs);
        for (int i = 1; i <= total / 2; ++i)
            QCOMPARE(f.publish(QStringLiteral("message"), { { QStringLiteral("n"), i } }), i);
        QTRY_VERIFY_WITH_TIMEOUT(readers.back()->eventIds().size() >= 10, waitMs);
        m_a->kill();
        for (const auto &reader : readers)
            QTRY_VERIFY_WITH_TIMEOUT(reader->isFinished(), waitMs);
        QList<QList<qint64>> received;
        for (const auto &reader : readers)
            received.append(reader->eventIds());
        for (int i = total / 2 + 1; i < total; ++i)
            QCOMPARE(f.publish(QStringLiteral("message"), { { QStringLiteral("n"), i } }), i);
        QCOMPARE(f.publish(QStringLiteral("done")), total);
        int lost = 0;
        int duplicated = 0;
        for (int i = 0; i < clients; ++i) {
            SseReader resumed(m_b->port());
            const qint64 last = received[i].isEmpty() ? 0 : received[i].constLast();
            resumed.open(f.promptPath(QStringLiteral("stream")),
                         { { "Authorization", f.bearerHeader() },
                           { "Last-Event-ID", QByteArray::number(last) } });
            QTRY_VERIFY_WITH_TIMEOUT(resumed.isFinished(), waitMs);
            received[i] += resumed.eventIds();
            QList<qint64> unique = received[i];
            std::sort(unique.begin(), unique.end());
            unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
            duplicated += int(received[i].size() - unique.size());
            lost += int(total - unique.size());
            QCOMPARE(received[i], idRange(1, total));
        }
        qInfo("%d clients, %d events, A SIGKILLed after %d: resumed on B, lost %d, duplicated %d",
              clients, total, total / 2, lost, duplicated);
        QVERIFY2(m_a->start({}, databaseEnv()), qPrintable(m_a->errorString()));
    }

    // Logout (everywhere) on A ends the user's stream on B within a second: A announces it on
    // the bus, B checks its streams against the store at once.
    void logoutOnAEndsStreamOnB()
    {
        StreamFixture f;
        QVERIFY(f.setUp(*m_a, userName, userPassword, false));
        SseReader onB(m_b->port());
        f.openStream(onB);
        QTRY_VERIFY_WITH_TIMEOUT(onB.events().size() >= 1, waitMs);
        QElapsedTimer clock;
        clock.start();
        const HttpResponse r
            = f.http->post(QStringLiteral("/api/auth/logout"), {}, HttpClient::bearer(f.token));
        QCOMPARE(r.status, 204);
        QTRY_VERIFY_WITH_TIMEOUT(onB.isFinished(), 1000);
        qInfo("logout on A ended the stream on B after %lld ms",
              static_cast<long long>(clock.elapsed()));
    }

    // `sluice-server user passwd` and `user remove`, run as their own process on the shared
    // database with SLUICE_REDIS (as an operator would), announce the change on the bus: the
    // user's stream on B ends within a second of the change, not at B's periodic check.
    void userCliEndsStreamOnB_data()
    {
        QTest::addColumn<QString>("command");
        QTest::newRow("passwd") << QStringLiteral("passwd");
        QTest::newRow("remove") << QStringLiteral("remove");
    }
    void userCliEndsStreamOnB()
    {
        QFETCH(QString, command);
        const QString name = QStringLiteral("cli-") + command;
        const QString password = QStringLiteral("cli-password-1");
        QVERIFY2(m_a->addUser(name, password, databaseEnv()), qPrintable(m_a->errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(*m_a, name, password, false));
        SseReader onB(m_b->port());
        f.openStream(onB);
        QTRY_VERIFY_WITH_TIMEOUT(onB.events().size() >= 1, waitMs);

        // The command runs while this event loop does, so that the stream's end is timed against
        // the moment the command reports the change committed (its first line, printed before it
        // announces), not against its start-up or its password hashing.
        QElapsedTimer clock;
        qint64 committedAt = -1;
        qint64 endedAt = -1;
        QByteArray output;
        QProcess cli;
        cli.setProcessEnvironment(ServerProcess::environment(databaseEnv()));
        connect(&cli, &QProcess::readyReadStandardOutput, this, [&] {
            output += cli.readAllStandardOutput();
            if (committedAt < 0 && output.contains('\n'))
                committedAt = clock.elapsed();
        });
        connect(&onB, &SseReader::finished, this, [&] { endedAt = clock.elapsed(); });
        clock.start();
        cli.start(ServerProcess::binaryPath(), { QStringLiteral("user"), command, name });
        if (command == QLatin1String("passwd"))
            cli.write("cli-password-2\n");
        cli.closeWriteChannel();
        QTRY_VERIFY_WITH_TIMEOUT(cli.state() == QProcess::NotRunning, waitMs);
        output += cli.readAllStandardOutput();
        QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0,
                 cli.readAllStandardError().constData());
        // Both instances heard it (each holds one subscription to the bus).
        QVERIFY2(output.contains("announced on redis://") && output.contains(": 2 running"),
                 output.constData());
        QVERIFY(committedAt >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(endedAt >= 0, waitMs);
        // Both are seen on this event loop: B's end can be read before the command's line (< 0).
        const qint64 latency = endedAt - committedAt;
        qInfo("user %s (another process) ended the stream on B %lld ms after the change",
              qPrintable(command), static_cast<long long>(latency));
        QVERIFY2(latency < 1000, qPrintable(QString::number(latency)));
    }
};

QTEST_GUILESS_MAIN(tst_Cluster)
#include "tst_cluster.moc"
