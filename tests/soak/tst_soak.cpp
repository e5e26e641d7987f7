// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Soak test (bounded, loopback only): the real sluice-server holds SLUICE_SOAK_STREAMS streams
// (default 1000) on 20 prompts for SLUICE_SOAK_SECONDS (default 60) while a producer publishes,
// connections are cut at random and resumed with Last-Event-ID, some readers stop reading for a
// while, malformed requests arrive and users sign in (rightly and wrongly). Then every prompt
// ends. Checked: every reader received every event of its prompt exactly once and in order, the
// server's RSS stayed bounded, and no connection was left behind.
#include "stream/ssereader.h"
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QTest>

#include <memory>

using namespace Sluice::Test;

namespace {

constexpr int Prompts = 20;
const QByteArray ProducerKey = "soak-producer-key-0123456789";
const QString Password = QStringLiteral("soak-password-123");

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

// Established TCP connections whose local port is `port` (the server's side), from /proc.
int establishedOnPort(quint16 port)
{
    int count = 0;
    for (const char *file : { "/proc/net/tcp", "/proc/net/tcp6" }) {
        QFile table(QString::fromLatin1(file));
        if (!table.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray &line : table.readAll().split('\n')) {
            const QList<QByteArray> fields = line.simplified().split(' ');
            if (fields.size() < 4 || fields.at(3) != "01")
                continue;
            const QByteArray suffix = QByteArray(1, ':')
                + QByteArray::number(port, 16).toUpper().rightJustified(4, '0');
            count += fields.at(1).endsWith(suffix) ? 1 : 0;
        }
    }
    return count;
}

// One reader of one prompt: a sequence of connections, each resuming after the last id.
struct Reader
{
    int prompt = 0;
    std::unique_ptr<SseReader> connection;
    qsizetype seen = 0; // events of the current connection already taken
    qint64 lastId = 0;
    qint64 received = 0;
    qint64 anomalies = 0; // an id that is not lastId + 1
    int connections = 0;
    bool done = false;
    QElapsedTimer pausedFor;
    int pauseMs = 0;
};

} // namespace

class TestSoak : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void streamsUnderChaos()
    {
        const int streams = envInt("SLUICE_SOAK_STREAMS", 1000);
        const int seconds = envInt("SLUICE_SOAK_SECONDS", 60);
        auto *random = QRandomGenerator::global();

        ServerProcess server;
        const QString cap = QString::number(streams * 2 + 200);
        QVERIFY2(
            server.start(
                { QStringLiteral("--max-connections"), cap,
                  QStringLiteral("--max-connections-per-ip"), cap, QStringLiteral("--max-streams"),
                  cap, QStringLiteral("--max-streams-per-user"), cap,
                  QStringLiteral("--stream-buffer-bytes"), QStringLiteral("16384"),
                  QStringLiteral("--stream-stall-timeout"), QStringLiteral("2s"),
                  QStringLiteral("--heartbeat-interval"), QStringLiteral("1s"),
                  QStringLiteral("--log-level"), QStringLiteral("warning") },
                { { QStringLiteral("SLUICE_PRODUCER_KEY"), QString::fromLatin1(ProducerKey) },
                  // The server's freed memory must show as freed: a small ASan
                  // quarantine (its default holds 256 MiB).
                  { QStringLiteral("ASAN_OPTIONS"),
                    QStringLiteral("detect_leaks=0:quarantine_size_mb=16") } }),
            qPrintable(server.errorString()));
        QVERIFY(server.addUser(QStringLiteral("soak"), Password));
        HttpClient http(server.baseUrl());
        const QByteArray token = http.login(QStringLiteral("soak"), Password);
        QVERIFY(!token.isEmpty());
        const HttpResponse session = http.postJson(QStringLiteral("/api/claude-code/sessions"), {},
                                                   HttpClient::bearer(token));
        const QString sessionId = session.object().value(QStringLiteral("id")).toString();
        QStringList promptPaths;
        for (int i = 0; i < Prompts; ++i) {
            const HttpResponse prompt = http.postJson(
                QStringLiteral("/api/claude-code/sessions/%1/prompts").arg(sessionId),
                { { QStringLiteral("text"), QStringLiteral("p%1").arg(i) } },
                HttpClient::bearer(token));
            const QString id = prompt.object().value(QStringLiteral("id")).toString();
            QVERIFY(!id.isEmpty());
            promptPaths.append(
                QStringLiteral("/api/claude-code/sessions/%1/prompts/%2").arg(sessionId, id));
        }

        std::vector<Reader> readers { size_t(streams) };
        const auto reconnect = [&](Reader &r) {
            r.connection = std::make_unique<SseReader>(server.port());
            SseReader::Headers headers { { "Authorization", "Bearer " + token } };
            if (r.lastId > 0)
                headers.append({ "Last-Event-ID", QByteArray::number(r.lastId) });
            r.connection->open(promptPaths.at(r.prompt) + QStringLiteral("/stream"), headers);
            r.seen = 0;
            ++r.connections;
        };
        for (int i = 0; i < streams; ++i) {
            readers[size_t(i)].prompt = i % Prompts;
            reconnect(readers[size_t(i)]);
        }

        // Producer: events round-robin over the prompts, one request in flight per prompt.
        QNetworkAccessManager nam;
        std::vector<qint64> published(Prompts, 0);
        std::vector<bool> inFlight(Prompts, false);
        qint64 publishFailures = 0;
        bool finishing = false;
        std::vector<bool> doneSent(Prompts, false);
        const auto publish = [&](int p, bool done) {
            inFlight[size_t(p)] = true;
            QNetworkRequest request(server.url(promptPaths.at(p) + QStringLiteral("/events")));
            request.setHeader(QNetworkRequest::ContentTypeHeader,
                              QByteArrayLiteral("application/json"));
            request.setRawHeader("X-Sluice-Producer-Key", ProducerKey);
            const QJsonObject body {
                { QStringLiteral("type"),
                  done ? QStringLiteral("done") : QStringLiteral("message") },
                { QStringLiteral("data"),
                  QJsonObject {
                      { QStringLiteral("delta"), QString(random->bounded(20, 400), u'x') } } }
            };
            QNetworkReply *reply
                = nam.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
            QObject::connect(reply, &QNetworkReply::finished, this, [&, reply, p, done] {
                reply->deleteLater();
                inFlight[size_t(p)] = false;
                const int status
                    = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                if (status == 201) {
                    if (done)
                        doneSent[size_t(p)] = true;
                    else
                        ++published[size_t(p)];
                } else {
                    ++publishFailures;
                }
            });
        };
        QTimer producer;
        int nextPrompt = 0;
        connect(&producer, &QTimer::timeout, this, [&] {
            for (int n = 0; n < 4; ++n) { // ~4 events per 20 ms: 200 events/s
                const int p = nextPrompt++ % Prompts;
                if (inFlight[size_t(p)])
                    continue;
                if (!finishing)
                    publish(p, false);
                else if (!doneSent[size_t(p)])
                    publish(p, true);
            }
        });
        producer.start(20);

        // Readers: take new events, check their order, reconnect when cut.
        qint64 cuts = 0;
        qint64 pauses = 0;
        QTimer readerTick;
        connect(&readerTick, &QTimer::timeout, this, [&] {
            for (Reader &r : readers) {
                if (r.done || !r.connection)
                    continue;
                const auto &events = r.connection->events();
                for (; r.seen < events.size(); ++r.seen) {
                    const SseEvent &event = events.at(r.seen);
                    if (event.type == "connected")
                        continue;
                    if (event.id != r.lastId + 1)
                        ++r.anomalies;
                    r.lastId = event.id;
                    ++r.received;
                    if (event.type == "done")
                        r.done = true;
                }
                if (r.done) {
                    r.connection.reset();
                    continue;
                }
                if (r.pauseMs > 0 && r.pausedFor.elapsed() > r.pauseMs) {
                    r.connection->setPaused(false);
                    r.pauseMs = 0;
                }
                if (r.connection->isFinished())
                    reconnect(r); // cut by the server (slow reader, stall) or by the test
            }
        });
        readerTick.start(50);

        // Chaos: cuts, readers that stop reading, malformed requests, sign-ins.
        QList<QTcpSocket *> junk;
        qint64 malformed = 0;
        qint64 logins = 0;
        QTimer chaos;
        connect(&chaos, &QTimer::timeout, this, [&] {
            if (finishing)
                return;
            for (int n = 0; n < streams / 100; ++n) { // 1 % cut
                Reader &r = readers[size_t(random->bounded(streams))];
                if (r.done || !r.connection)
                    continue;
                r.connection->abort();
                reconnect(r);
                ++cuts;
            }
            for (int n = 0; n < streams / 200; ++n) { // 0.5 % stop reading for 1-4 s
                Reader &r = readers[size_t(random->bounded(streams))];
                if (r.done || !r.connection || r.pauseMs > 0)
                    continue;
                r.connection->setPaused(true);
                r.pausedFor.start();
                r.pauseMs = random->bounded(1000, 4000);
                ++pauses;
            }
            static const QList<QByteArray> bad {
                "GARBAGE\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + QByteArray(20000, 'a') + "\r\n\r\n",
                "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 9\r\n\r\n{not json",
                "GET /api/claude-code/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                "eyJhbGciOiJub25lIn0.e30.\r\n\r\n",
                "GET /api/claude-code/sessions/nope/prompts/nope/stream?stream_token=x.y.z "
                "HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 3000000\r\n\r\n"
                    + QByteArray(100000, '{'),
            };
            for (const QByteArray &request : bad) {
                auto *socket = new QTcpSocket(this);
                socket->connectToHost(QHostAddress::LocalHost, server.port());
                socket->write(request);
                QTimer::singleShot(2000, socket, [socket] { socket->abort(); });
                junk.append(socket);
                ++malformed;
            }
            // A sign-in attempt, right or wrong.
            QNetworkRequest login(server.url(QStringLiteral("/api/auth/login")));
            login.setHeader(QNetworkRequest::ContentTypeHeader,
                            QByteArrayLiteral("application/json"));
            const bool right = random->bounded(2) == 0;
            QNetworkReply *reply = nam.post(
                login,
                QJsonDocument(QJsonObject { { QStringLiteral("username"), QStringLiteral("soak") },
                                            { QStringLiteral("password"),
                                              right ? Password : QStringLiteral("wrong-one") } })
                    .toJson(QJsonDocument::Compact));
            QObject::connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
            ++logins;
        });
        chaos.start(500);

        // Warm-up, then the soak, sampling the server's memory.
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(readers.begin(), readers.end(),
                                             [](const Reader &r) { return r.received > 0; }),
                                 120000);
        const qint64 rssStart = server.residentMemoryKiB();
        qint64 rssMax = rssStart;
        QElapsedTimer soak;
        soak.start();
        while (soak.elapsed() < qint64(seconds) * 1000) {
            QTest::qWait(1000);
            rssMax = std::max(rssMax, server.residentMemoryKiB());
        }

        // The end: every prompt gets `done`; every reader must reach it.
        finishing = true;
        for (Reader &r : readers) {
            if (r.pauseMs > 0 && r.connection) {
                r.connection->setPaused(false);
                r.pauseMs = 0;
            }
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(doneSent.begin(), doneSent.end(), [](bool d) { return d; }), 120000);
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(readers.begin(), readers.end(), [](const Reader &r) { return r.done; }),
            180000);
        producer.stop();
        readerTick.stop();
        chaos.stop();
        const qint64 rssEnd = server.residentMemoryKiB();

        qint64 anomalies = 0;
        qint64 connections = 0;
        qint64 events = 0;
        for (const Reader &r : readers) {
            anomalies += r.anomalies;
            connections += r.connections;
            events += r.received;
            // Every event of its prompt, and `done`, exactly once.
            QCOMPARE(r.received, published[size_t(r.prompt)] + 1);
            QCOMPARE(r.lastId, published[size_t(r.prompt)] + 1);
        }
        QCOMPARE(anomalies, qint64(0));

        // Nothing left behind: no stream, no connection but the test's own API client.
        for (QTcpSocket *socket : std::as_const(junk))
            socket->abort();
        // The producer's and the sign-ins' keep-alive connections are the test's, not leftovers.
        nam.clearConnectionCache();
        QTRY_VERIFY_WITH_TIMEOUT(
            http.get(QStringLiteral("/metrics")).body.contains("sluice_streams_open 0"), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(establishedOnPort(server.port()) <= 2, 30000);

        qint64 totalPublished = 0;
        for (qint64 n : published)
            totalPublished += n;
        qInfo("soak: %d streams on %d prompts for %d s: %lld events published (%lld publishes "
              "refused and retried), %lld deliveries, %lld connections (%lld cuts, %lld paused "
              "readers), %lld malformed requests, %lld sign-ins; 0 lost, 0 duplicated; server "
              "RSS %lld KiB after warm-up, max %lld KiB, %lld KiB at the end",
              streams, Prompts, seconds, qlonglong(totalPublished), qlonglong(publishFailures),
              qlonglong(events), qlonglong(connections), qlonglong(cuts), qlonglong(pauses),
              qlonglong(malformed), qlonglong(logins), qlonglong(rssStart), qlonglong(rssMax),
              qlonglong(rssEnd));
        // Bounded: the soak's own growth, not proportional to its length (generous: ASan).
        QVERIFY2(rssMax - rssStart < 256 * 1024,
                 qPrintable(QStringLiteral("server RSS grew by %1 KiB").arg(rssMax - rssStart)));
    }
};

QTEST_GUILESS_MAIN(TestSoak)
#include "tst_soak.moc"
