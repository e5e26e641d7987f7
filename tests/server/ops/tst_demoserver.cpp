// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The demo server end to end, against the real sluice-server binary:
// - `curl -N` (a real client nobody here wrote) receives the demo stream: SSE headers, `connected`,
//   message deltas, tool_use, tool_result, a final message and `done`, ids 1..n in order;
// - --replay plays the shipped transcript event for event; an invalid transcript stops startup;
// - GET /metrics is Prometheus text and its numbers move (requests by route template and status,
//   events appended/delivered, open streams, auth failures);
// - caps: a second stream of a user over --max-streams-per-user → 429, a stream over
//   --max-streams → 503, both with Retry-After and JSON; a closed stream frees its slot;
// - the request log never shows a token: stream_token and other token-like query values are
//   redacted, headers are never logged.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <Sluice/SseParser.h>

#include <QtCore/QJsonArray>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QStandardPaths>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <memory>

using namespace Sluice::Test;

namespace {

constexpr int waitMs = 60000;
const QString sessionsPath = QStringLiteral("/api/claude-code/sessions");

struct SseEvent
{
    QString type = QStringLiteral("message");
    QString id;
    QString data;
};

// Parses the SSE body curl printed (after the header block when -i was used) with the SDK's
// WHATWG parser; `id` is the event's last event ID (every demo event after `connected` has one).
QList<SseEvent> parseSse(const QByteArray &raw)
{
    QByteArrayView body = raw;
    const qsizetype headerEnd = raw.indexOf("\r\n\r\n");
    if (raw.startsWith("HTTP/") && headerEnd >= 0)
        body = body.sliced(headerEnd + 4);
    QList<SseEvent> events;
    Sluice::SseParser parser;
    parser.setEventHandler([&events](const Sluice::Event &event) {
        events.append({ event.type(), event.lastEventId(), event.data() });
    });
    parser.feed(body);
    parser.finish();
    return events;
}

// A curl child process that is always stopped, even when the test fails.
class Curl
{
public:
    explicit Curl(const QStringList &args)
    {
        m_process.setProgram(curlPath());
        m_process.setArguments(args);
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start();
    }
    ~Curl()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }
    Curl(const Curl &) = delete;
    Curl &operator=(const Curl &) = delete;

    static QString curlPath() { return QStandardPaths::findExecutable(QStringLiteral("curl")); }

    bool waitForOutput(const QByteArray &needle, int timeoutMs = waitMs)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!m_out.contains(needle)) {
            if (m_process.state() == QProcess::NotRunning) {
                m_out += m_process.readAllStandardOutput();
                return m_out.contains(needle);
            }
            if (deadline.hasExpired())
                return false;
            m_process.waitForReadyRead(100);
            m_out += m_process.readAllStandardOutput();
        }
        return true;
    }
    bool waitForFinished(int timeoutMs = waitMs)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_process.state() != QProcess::NotRunning && !deadline.hasExpired()) {
            m_process.waitForReadyRead(100);
            m_out += m_process.readAllStandardOutput();
        }
        m_process.waitForFinished(1000);
        m_out += m_process.readAllStandardOutput();
        return m_process.state() == QProcess::NotRunning;
    }
    void stop()
    {
        m_process.kill();
        m_process.waitForFinished(10000);
    }
    QByteArray output() const { return m_out; }
    int exitCode() const { return m_process.exitCode(); }
    QByteArray errors() { return m_process.readAllStandardError(); }

private:
    QProcess m_process;
    QByteArray m_out;
};

// The demo password the server prints on stdout right after the "listening" line.
QString demoPassword(ServerProcess &server)
{
    static const QRegularExpression re(QStringLiteral("demo user: demo  password: (\\S+)\\n"));
    QDeadlineTimer deadline(waitMs);
    QString password;
    while (password.isEmpty() && !deadline.hasExpired()) {
        password = re.match(server.logOutput()).captured(1);
        if (password.isEmpty())
            QTest::qWait(50); // polling the child's output, not synchronising on time
    }
    return password;
}

} // namespace

class TestDemoServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void curlReceivesDemoStream();
    void metricsMove();
    void replayPlaysTranscript();
    void invalidTranscriptStopsStartup();
    void capsAnswer429And503();
    void logRedactsTokens();
    void producerKey();
    void slowConsumerIsClosedAndCounted();
    void producerKeyConfig();

private:
    // Logs in, creates a session and a prompt; returns {token, stream path}.
    QPair<QByteArray, QString> newPrompt(HttpClient &http, const QString &user,
                                         const QString &password);
    QByteArray metrics(HttpClient &http);

    ServerProcess m_demo; // --demo, fast
    std::unique_ptr<HttpClient> m_http;
    QString m_password;
};

QPair<QByteArray, QString> TestDemoServer::newPrompt(HttpClient &http, const QString &user,
                                                     const QString &password)
{
    const QByteArray token = http.login(user, password);
    if (token.isEmpty())
        return {};
    const HttpResponse session
        = http.postJson(sessionsPath, { { QStringLiteral("title"), QStringLiteral("demo") } },
                        HttpClient::bearer(token));
    const QString sid = session.object().value(QLatin1String("id")).toString();
    const HttpResponse prompt
        = http.postJson(sessionsPath + u'/' + sid + QStringLiteral("/prompts"),
                        { { QStringLiteral("text"), QStringLiteral("List the files in src/") } },
                        HttpClient::bearer(token));
    const QString pid = prompt.object().value(QLatin1String("id")).toString();
    if (sid.isEmpty() || pid.isEmpty())
        return {};
    return { token, sessionsPath + u'/' + sid + QStringLiteral("/prompts/") + pid };
}

QByteArray TestDemoServer::metrics(HttpClient &http)
{
    const HttpResponse reply = http.get(QStringLiteral("/metrics"));
    return reply.status == 200 ? reply.body : QByteArray();
}

void TestDemoServer::initTestCase()
{
    if (Curl::curlPath().isEmpty())
        QSKIP("curl is not installed (scripts/dev setup installs it)");
    QVERIFY2(m_demo.start({ QStringLiteral("--demo"), QStringLiteral("--demo-speed"),
                            QStringLiteral("40"), QStringLiteral("--heartbeat-interval"),
                            QStringLiteral("1s") }),
             qPrintable(m_demo.errorString()));
    m_password = demoPassword(m_demo);
    QVERIFY(!m_password.isEmpty());
    m_http = std::make_unique<HttpClient>(m_demo.baseUrl());
}

void TestDemoServer::curlReceivesDemoStream()
{
    const auto [token, streamPath] = newPrompt(*m_http, QStringLiteral("demo"), m_password);
    QVERIFY(!token.isEmpty());
    Curl curl({ QStringLiteral("-N"), QStringLiteral("-sS"), QStringLiteral("-i"),
                QStringLiteral("--max-time"), QStringLiteral("120"), QStringLiteral("-H"),
                QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(token),
                m_demo.url(streamPath + QStringLiteral("/stream")).toString() });
    // The server closes the stream after `done`, so curl ends by itself.
    QVERIFY2(curl.waitForFinished(), curl.output().constData());
    QCOMPARE(curl.exitCode(), 0);
    const QByteArray out = curl.output();
    QVERIFY2(out.startsWith("HTTP/1.1 200"), out.left(200).constData());
    const QByteArray head = out.left(out.indexOf("\r\n\r\n")).toLower();
    QVERIFY2(head.contains("content-type: text/event-stream"), head.constData());
    QVERIFY(head.contains("cache-control: no-store"));

    const QList<SseEvent> events = parseSse(out);
    QVERIFY2(events.size() >= 8, out.constData());
    QCOMPARE(events.constFirst().type, QStringLiteral("connected"));
    QCOMPARE(events.constLast().type, QStringLiteral("done"));
    QStringList types;
    qint64 expectedId = 1;
    for (const SseEvent &event : events.mid(1)) {
        types.append(event.type);
        QCOMPARE(event.id.toLongLong(), expectedId++);
        QJsonParseError error;
        const QJsonDocument data = QJsonDocument::fromJson(event.data.toUtf8(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError && data.isObject(),
                 qPrintable(event.data));
        if (event.type == u"tool_use") {
            QVERIFY(data.object().value(QLatin1String("input")).isObject());
            QVERIFY(!data.object().value(QLatin1String("name")).toString().isEmpty());
        }
    }
    QVERIFY(types.count(QStringLiteral("message")) >= 3);
    QCOMPARE(types.count(QStringLiteral("tool_use")), 2);
    QCOMPARE(types.count(QStringLiteral("tool_result")), 2);
    QCOMPARE(types.count(QStringLiteral("done")), 1);
    QVERIFY(types.indexOf(QStringLiteral("tool_use"))
            < types.indexOf(QStringLiteral("tool_result")));

    // After `done` a reconnect is told to stop: 204.
    const HttpResponse again = m_http->get(
        streamPath + QStringLiteral("/stream"),
        HttpClient::bearer(token, { { "Last-Event-ID", events.constLast().id.toUtf8() } }));
    QCOMPARE(again.status, 204);
}

void TestDemoServer::metricsMove()
{
    const HttpResponse first = m_http->get(QStringLiteral("/metrics"));
    QCOMPARE(first.status, 200);
    QVERIFY2(first.header("Content-Type").startsWith("text/plain; version=0.0.4"),
             first.header("Content-Type").constData());
    for (const char *name :
         { "sluice_streams_open", "sluice_events_appended_total", "sluice_events_delivered_total",
           "sluice_events_replayed_total", "sluice_stream_slow_consumer_closes_total",
           "sluice_auth_failures_total", "sluice_http_requests_total",
           "sluice_http_request_duration_seconds" }) {
        QVERIFY2(first.body.contains(QByteArray("# TYPE " + QByteArray(name) + ' ')), name);
    }

    const QByteArray healthz = "sluice_http_requests_total{route=\"/healthz\",status=\"200\"}";
    const QByteArray unmatched = "sluice_http_requests_total{route=\"unmatched\",status=\"404\"}";
    const QByteArray missing = "sluice_auth_failures_total{reason=\"missing_credentials\"}";
    const double healthzBefore = metricValue(first.body, healthz);
    const double unmatchedBefore = metricValue(first.body, unmatched);
    const double missingBefore = metricValue(first.body, missing);
    const double requestsBefore
        = metricValue(first.body, "sluice_http_request_duration_seconds_count");
    for (int i = 0; i < 3; ++i)
        QCOMPARE(m_http->get(QStringLiteral("/healthz")).status, 200);
    QCOMPARE(m_http->get(QStringLiteral("/no/such/path/123")).status, 404);
    QCOMPARE(m_http->get(sessionsPath).status, 401);

    const QByteArray after = metrics(*m_http);
    QCOMPARE(metricValue(after, healthz), healthzBefore + 3);
    QCOMPARE(metricValue(after, unmatched), unmatchedBefore + 1);
    QCOMPARE(metricValue(after, missing), missingBefore + 1);
    // 3 + 1 + 1 requests plus the first /metrics itself.
    QCOMPARE(metricValue(after, "sluice_http_request_duration_seconds_count"), requestsBefore + 6);
    // Raw ids never become labels: the sessions route is counted by its template.
    QVERIFY(!after.contains("route=\"/api/claude-code/sessions/0"));

    // The demo run of curlReceivesDemoStream was appended and delivered; its stream is closed.
    QVERIFY(metricValue(after, "sluice_events_appended_total") >= 8);
    QVERIFY(metricValue(after, "sluice_events_delivered_total") >= 8);
    QVERIFY(after.contains("sluice_demo_runs_total{outcome=\"completed\"}"));
    QTRY_COMPARE_WITH_TIMEOUT(metricValue(metrics(*m_http), "sluice_streams_open"), 0.0, waitMs);
}

void TestDemoServer::replayPlaysTranscript()
{
    ServerProcess server;
    QVERIFY2(server.start({ QStringLiteral("--replay"), QStringLiteral(SLUICE_SAMPLE_TRANSCRIPT),
                            QStringLiteral("--demo-speed"), QStringLiteral("50") }),
             qPrintable(server.errorString()));
    HttpClient http(server.baseUrl());
    const auto [token, streamPath] = newPrompt(http, QStringLiteral("demo"), demoPassword(server));
    QVERIFY(!token.isEmpty());
    Curl curl({ QStringLiteral("-N"), QStringLiteral("-sS"), QStringLiteral("--max-time"),
                QStringLiteral("120"), QStringLiteral("-H"),
                QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(token),
                server.url(streamPath + QStringLiteral("/stream")).toString() });
    QVERIFY2(curl.waitForFinished(), curl.output().constData());

    QFile file(QStringLiteral(SLUICE_SAMPLE_TRANSCRIPT));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QList<QPair<QString, QJsonObject>> expected;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        expected.append({ object.value(QLatin1String("type")).toString(),
                          object.value(QLatin1String("data")).toObject() });
    }
    QList<SseEvent> events = parseSse(curl.output());
    QVERIFY(!events.isEmpty());
    QCOMPARE(events.takeFirst().type, QStringLiteral("connected"));
    QCOMPARE(events.size(), expected.size());
    for (qsizetype i = 0; i < events.size(); ++i) {
        QCOMPARE(events.at(i).type, expected.at(i).first);
        QCOMPARE(QJsonDocument::fromJson(events.at(i).data.toUtf8()).object(),
                 expected.at(i).second);
    }
}

void TestDemoServer::invalidTranscriptStopsStartup()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.jsonl"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        "{\"type\":\"message\",\"data\":{\"delta\":\"x\"}}\n{\"type\":\"yell\",\"data\":{}}\n");
    file.close();
    const auto result = ServerProcess::run(
        { QStringLiteral("--replay"), path, QStringLiteral("--port"), QStringLiteral("0"),
          QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("data")) });
    QVERIFY(result.finished);
    QVERIFY(result.exitCode != 0);
    QVERIFY2(result.stdErr.contains(QLatin1String("line 2")), qPrintable(result.stdErr));
}

void TestDemoServer::capsAnswer429And503()
{
    ServerProcess server;
    for (const char *user : { "alice", "bob", "carol" })
        QVERIFY(server.addUser(QString::fromLatin1(user), QStringLiteral("a long password 123")));
    // No demo producer: prompts stay open, so the streams stay open.
    QVERIFY2(server.start({ QStringLiteral("--max-streams-per-user"), QStringLiteral("1"),
                            QStringLiteral("--max-streams"), QStringLiteral("2") }),
             qPrintable(server.errorString()));
    HttpClient http(server.baseUrl());
    const QString password = QStringLiteral("a long password 123");
    const auto alice = newPrompt(http, QStringLiteral("alice"), password);
    const auto bob = newPrompt(http, QStringLiteral("bob"), password);
    const auto carol = newPrompt(http, QStringLiteral("carol"), password);
    QVERIFY(!alice.first.isEmpty() && !bob.first.isEmpty() && !carol.first.isEmpty());

    const auto openStream = [&](const QPair<QByteArray, QString> &who) {
        return std::make_unique<Curl>(
            QStringList { QStringLiteral("-N"), QStringLiteral("-sS"), QStringLiteral("-i"),
                          QStringLiteral("--max-time"), QStringLiteral("300"), QStringLiteral("-H"),
                          QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(who.first),
                          server.url(who.second + QStringLiteral("/stream")).toString() });
    };
    auto aliceStream = openStream(alice);
    QVERIFY2(aliceStream->waitForOutput("event: connected"), aliceStream->output().constData());
    QVERIFY(aliceStream->output().startsWith("HTTP/1.1 200"));

    const HttpResponse userCap
        = http.get(alice.second + QStringLiteral("/stream"), HttpClient::bearer(alice.first));
    QCOMPARE(userCap.status, 429);
    QCOMPARE(userCap.errorCode(), QStringLiteral("RATE_LIMITED"));
    QVERIFY(userCap.header("Retry-After").toInt() >= 1);

    auto bobStream = openStream(bob);
    QVERIFY2(bobStream->waitForOutput("event: connected"), bobStream->output().constData());

    const HttpResponse totalCap
        = http.get(carol.second + QStringLiteral("/stream"), HttpClient::bearer(carol.first));
    QCOMPARE(totalCap.status, 503);
    QCOMPARE(totalCap.errorCode(), QStringLiteral("SERVICE_UNAVAILABLE"));
    QVERIFY(totalCap.header("Retry-After").toInt() >= 1);

    const QByteArray text = metrics(http);
    QCOMPARE(metricValue(text, "sluice_stream_rejections_total{reason=\"user_cap\"}"), 1.0);
    QCOMPARE(metricValue(text, "sluice_stream_rejections_total{reason=\"total_cap\"}"), 1.0);
    QCOMPARE(metricValue(text, "sluice_streams_open"), 2.0);

    // A stream that ends frees its slot: carol gets in once alice's client is gone.
    aliceStream->stop();
    QTRY_COMPARE_WITH_TIMEOUT(metricValue(metrics(http), "sluice_streams_open"), 1.0, waitMs);
    auto carolStream = openStream(carol);
    QVERIFY2(carolStream->waitForOutput("event: connected"), carolStream->output().constData());
}

void TestDemoServer::logRedactsTokens()
{
    const auto [token, streamPath] = newPrompt(*m_http, QStringLiteral("demo"), m_password);
    QVERIFY(!token.isEmpty());
    const HttpResponse issued
        = m_http->post(streamPath + QStringLiteral("/stream-token"), {}, HttpClient::bearer(token));
    QCOMPARE(issued.status, 200);
    const QByteArray streamToken
        = issued.object().value(QLatin1String("token")).toString().toLatin1();
    QVERIFY(!streamToken.isEmpty());

    // A stream opened with ?stream_token= (curl, to the end of the demo run).
    Curl curl({ QStringLiteral("-N"), QStringLiteral("-sS"), QStringLiteral("--max-time"),
                QStringLiteral("120"),
                m_demo
                    .url(streamPath + QStringLiteral("/stream?stream_token=")
                         + QString::fromLatin1(streamToken))
                    .toString() });
    QVERIFY2(curl.waitForFinished(), curl.output().constData());
    QVERIFY2(curl.output().contains("event: done"), curl.output().constData());
    // An access token in the query is refused, and not logged either.
    QCOMPARE(
        m_http
            ->get(streamPath + QStringLiteral("/stream?access_token=") + QString::fromLatin1(token))
            .status,
        401);

    QTRY_VERIFY_WITH_TIMEOUT(m_demo.logOutput().contains(QLatin1String("stream_token=REDACTED")),
                             waitMs);
    const QString log = m_demo.logOutput();
    QVERIFY(log.contains(QLatin1String("access_token=REDACTED")));
    QVERIFY2(!log.contains(QString::fromLatin1(streamToken)), "stream token in the log");
    QVERIFY2(!log.contains(QString::fromLatin1(token)), "access token in the log");
    // Not even a recognisable piece of a JWT signature.
    QVERIFY(!log.contains(QString::fromLatin1(streamToken.mid(streamToken.lastIndexOf('.') + 1))));
    QVERIFY(!log.contains(QString::fromLatin1(token.mid(token.lastIndexOf('.') + 1))));
    // The demo password is printed once on stdout for the operator, never in a log line.
    QCOMPARE(log.count(m_password), 1);
}

void TestDemoServer::producerKey()
{
    const QByteArray key = "producer-key-0123456789-abcdefghij";
    QTemporaryDir dir;
    const QString keyFile = dir.filePath(QStringLiteral("producer.key"));
    QFile file(keyFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(key + '\n'); // a trailing newline is not part of the key
    file.close();
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);

    ServerProcess server;
    QVERIFY(server.addUser(QStringLiteral("alice"), QStringLiteral("a long password 123")));
    QVERIFY2(server.start({ QStringLiteral("--producer-key-file"), keyFile }),
             qPrintable(server.errorString()));
    HttpClient http(server.baseUrl());
    const auto alice
        = newPrompt(http, QStringLiteral("alice"), QStringLiteral("a long password 123"));
    QVERIFY(!alice.first.isEmpty());
    const QString eventsPath = alice.second + QStringLiteral("/events");
    const QJsonObject event { { QStringLiteral("type"), QStringLiteral("message") },
                              { QStringLiteral("data"),
                                QJsonObject {
                                    { QStringLiteral("delta"), QStringLiteral("hi") } } } };

    const HttpResponse accepted
        = http.postJson(eventsPath, event, { { "X-Sluice-Producer-Key", key } });
    QCOMPARE(accepted.status, 201);
    QCOMPARE(accepted.object().value(QLatin1String("id")).toInt(), 1);

    const HttpResponse wrong
        = http.postJson(eventsPath, event, { { "X-Sluice-Producer-Key", key.chopped(1) + 'X' } });
    QCOMPARE(wrong.status, 401);
    QCOMPARE(http.postJson(eventsPath, event).status, 401); // neither key nor token

    QVERIFY(!server.logOutput().contains(QString::fromLatin1(key)));
}

void TestDemoServer::producerKeyConfig()
{
    QTemporaryDir dir;
    const auto shortKey = ServerProcess::run(
        { QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--data-dir"),
          dir.filePath(QStringLiteral("d1")) },
        { { QStringLiteral("SLUICE_PRODUCER_KEY"), QStringLiteral("short") } });
    QVERIFY(shortKey.finished);
    QCOMPARE(shortKey.exitCode, 2);
    QVERIFY2(shortKey.stdErr.contains(QLatin1String("producer key")), qPrintable(shortKey.stdErr));
    QVERIFY(!shortKey.stdErr.contains(QLatin1String("short\n")));

    const auto missingFile = ServerProcess::run(
        { QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--data-dir"),
          dir.filePath(QStringLiteral("d2")), QStringLiteral("--producer-key-file"),
          dir.filePath(QStringLiteral("nope.key")) });
    QVERIFY(missingFile.finished);
    QCOMPARE(missingFile.exitCode, 2);
    QVERIFY2(missingFile.stdErr.contains(QLatin1String("producer key file")),
             qPrintable(missingFile.stdErr));
}

void TestDemoServer::slowConsumerIsClosedAndCounted()
{
    ServerProcess server;
    const QString password = QStringLiteral("a long password 123");
    QVERIFY(server.addUser(QStringLiteral("alice"), password));
    QVERIFY2(server.start({ QStringLiteral("--stream-buffer-bytes"), QStringLiteral("4096"),
                            QStringLiteral("--stream-stall-timeout"), QStringLiteral("2s") }),
             qPrintable(server.errorString()));
    HttpClient http(server.baseUrl());
    const auto alice = newPrompt(http, QStringLiteral("alice"), password);
    QVERIFY(!alice.first.isEmpty());

    // A client that opens the stream and then never reads: small kernel receive buffer, and Qt
    // stops pulling from the kernel once its own 1-byte read buffer is full.
    QTcpSocket reader;
    reader.setReadBufferSize(1);
    reader.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
    reader.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(reader.waitForConnected(waitMs));
    reader.write(QByteArray("GET " + alice.second.toLatin1()
                            + "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                            + alice.first + "\r\nAccept: text/event-stream\r\n\r\n"));
    QVERIFY(reader.waitForBytesWritten(waitMs));
    QTRY_COMPARE_WITH_TIMEOUT(metricValue(metrics(http), "sluice_streams_open"), 1.0, waitMs);

    // Publish 60 KiB events until the server has more than 4 KiB queued for that client (the
    // kernel buffers fill first); a bounded number of rounds.
    const QString chunk(60 * 1024, u'x');
    const QJsonObject event { { QStringLiteral("type"), QStringLiteral("message") },
                              { QStringLiteral("data"),
                                QJsonObject { { QStringLiteral("delta"), chunk } } } };
    int posted = 0;
    while (posted < 400
           && metricValue(metrics(http), "sluice_stream_slow_consumer_closes_total") < 1) {
        for (int i = 0; i < 10; ++i, ++posted) {
            QCOMPARE(http.postJson(alice.second + QStringLiteral("/events"), event,
                                   HttpClient::bearer(alice.first))
                         .status,
                     201);
        }
    }
    QTRY_COMPARE_WITH_TIMEOUT(
        metricValue(metrics(http), "sluice_stream_slow_consumer_closes_total"), 1.0, waitMs);
    QTRY_COMPARE_WITH_TIMEOUT(metricValue(metrics(http), "sluice_streams_open"), 0.0, waitMs);
    QVERIFY(metricValue(metrics(http), "sluice_events_appended_total") >= posted);
    qInfo("slow consumer closed after %d events of 60 KiB", posted);
}

QTEST_GUILESS_MAIN(TestDemoServer)
#include "tst_demoserver.moc"
