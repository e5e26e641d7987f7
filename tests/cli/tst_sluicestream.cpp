// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// End to end: the real sluice-stream binary (a child process) against a ScriptedSseServer.
#include "scriptedsseserver.h"
#include "streamprocess.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryFile>
#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <csignal>
#include <memory>

using Sluice::Testing::RecordedRequest;
using Sluice::Testing::ResponseScript;
using Sluice::Testing::ScriptedSseServer;
using SluiceStream::Testing::StreamProcess;

Q_DECLARE_METATYPE(Sluice::Testing::ResponseScript::Framing)

namespace {

constexpr int waitMs = 30000;

QStringList args(std::initializer_list<const char *> list)
{
    QStringList result;
    for (const char *item : list)
        result << QString::fromUtf8(item);
    return result;
}

QString urlOf(const ScriptedSseServer &server, const char *path = "/stream")
{
    return server.url(QString::fromLatin1(path)).toString();
}

} // namespace

class tst_SluiceStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jsonLinesIdPersistsHeadersSent();
    void textOutput();
    void stderrIsJsonLinesWithoutHeaderValues();
    void reconnectResumesWithLastEventId();
    void noContentExitsZero();
    void authFailureExits3_data();
    void authFailureExits3();
    void wrongContentTypeExits4();
    void noReconnectOnDroppedConnection();
    void cleanEndWithNoReconnectExits0_data();
    void cleanEndWithNoReconnectExits0();
    void cleanEndReconnects();
    void quietStillShowsErrorsAndFailures();
    void retriesExhaustedExits5();
    void timeoutExits6();
    void parseLimitExits7();
    void postWithDataFromFile();
    void usageErrors_data();
    void usageErrors();
    void helpListsExitCodes();
    void signalsExitCleanly_data();
    void signalsExitCleanly();
};

void tst_SluiceStream::jsonLinesIdPersistsHeadersSent()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse()
                            .send(": welcome\n\nid: 1\ndata: one\n\n")
                            .send("data: two\n\n")
                            .send("event: tool_use\nid: 7\ndata: line1\ndata: line2\n\n")
                            .send("data: \"quoted\" \\ and\ttab\n\n")
                            .send("id\ndata: after reset\n\n")
                            .hold() });
    StreamProcess p(QStringList {
        urlOf(server), QStringLiteral("--json"), QStringLiteral("--max-events"),
        QStringLiteral("5"), QStringLiteral("-H"), QStringLiteral("X-Custom: abc"),
        QStringLiteral("--header"), QStringLiteral("Authorization: Bearer s3cret-t0ken"),
        QStringLiteral("--last-event-id"), QStringLiteral("0") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    const QList<QByteArray> expected {
        R"({"type":"message","data":"one","id":"1"})",
        R"({"type":"message","data":"two","id":"1"})",
        R"({"type":"tool_use","data":"line1\nline2","id":"7"})",
        R"({"type":"message","data":"\"quoted\" \\ and\ttab","id":"7"})",
        R"({"type":"message","data":"after reset","id":""})",
    };
    QCOMPARE(p.outLines(), expected);

    QCOMPARE(server.requestCount(), 1);
    const RecordedRequest req = server.requests().at(0);
    QCOMPARE(req.method, QByteArray("GET"));
    QCOMPARE(req.header("X-Custom"), QByteArray("abc"));
    QCOMPARE(req.header("Authorization"), QByteArray("Bearer s3cret-t0ken"));
    QCOMPARE(req.header("Last-Event-ID"), QByteArray("0"));
}

void tst_SluiceStream::textOutput()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse()
                            .send("event: status\nid: 3\ndata: a\ndata:\ndata: c\n\n")
                            .send("data: plain\n\n")
                            .hold() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("-n"), QStringLiteral("2") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(p.out(),
             QByteArray("event: status\nid: 3\ndata: a\ndata:\ndata: c\n\n"
                        "event: message\nid: 3\ndata: plain\n\n"));
}

void tst_SluiceStream::stderrIsJsonLinesWithoutHeaderValues()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse().send(":ping\n\ndata: x\n\n").hold() });
    StreamProcess p(QStringList { urlOf(server, "/stream?stream_token=tok-value&x=1"),
                                  QStringLiteral("--json"), QStringLiteral("-v"),
                                  QStringLiteral("-n"), QStringLiteral("1"), QStringLiteral("-H"),
                                  QStringLiteral("Authorization: Bearer hdr-value") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    const QByteArray err = p.err();
    QVERIFY2(!err.contains("hdr-value"), err.constData());
    QVERIFY2(!err.contains("tok-value"), err.constData());
    QStringList kinds;
    for (const QByteArray &line : p.errLines()) {
        if (!line.startsWith('{'))
            continue; // SDK diagnostics (-v) are plain qDebug lines
        QJsonParseError parseError;
        const QJsonObject object = QJsonDocument::fromJson(line, &parseError).object();
        QVERIFY2(parseError.error == QJsonParseError::NoError, line.constData());
        kinds << object.value(u"kind").toString();
        if (object.value(u"kind") == QStringLiteral("headers"))
            QVERIFY2(object.value(u"names").toString().contains(u"Authorization"),
                     line.constData());
        if (object.value(u"kind") == QStringLiteral("comment"))
            QCOMPARE(object.value(u"comment").toString(), QStringLiteral("ping"));
        if (object.value(u"kind") == QStringLiteral("connecting"))
            QVERIFY(object.value(u"url").toString().contains(u"stream_token=REDACTED"));
    }
    QCOMPARE(kinds,
             (QStringList { QStringLiteral("connecting"), QStringLiteral("headers"),
                            QStringLiteral("open"), QStringLiteral("comment"),
                            QStringLiteral("exit") }));
}

void tst_SluiceStream::reconnectResumesWithLastEventId()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({
        ResponseScript::sse().send("retry: 10\nid: 5\ndata: a\n\ndata: partial").drop(),
        ResponseScript::sse().send("data: b\n\n").hold(),
    });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json"),
                                  QStringLiteral("--max-events"), QStringLiteral("2") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(p.outLines(),
             (QList<QByteArray> { R"({"type":"message","data":"a","id":"5"})",
                                  R"({"type":"message","data":"b","id":"5"})" }));
    // Exactly one reconnection, and it resumed after event 5. (Counted on the client's side:
    // QNetworkAccessManager itself may silently resend the first request once when the server
    // closes the connection, which the server would see as an extra request without the id.)
    QCOMPARE(p.err().count(R"("kind":"connecting")"), 2);
    int resumed = 0;
    for (const RecordedRequest &req : server.requests())
        resumed += req.header("Last-Event-ID") == "5" ? 1 : 0;
    QVERIFY2(resumed == 1, p.err().constData());
}

void tst_SluiceStream::noContentExitsZero()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::noContent() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.out().isEmpty());
    QCOMPARE(server.requestCount(), 1);
}

void tst_SluiceStream::authFailureExits3_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("401") << 401;
    QTest::newRow("403") << 403;
}

void tst_SluiceStream::authFailureExits3()
{
    QFETCH(int, status);
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::status(status, R"({"error":"no"})", "application/json") });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 3);
    QVERIFY(p.out().isEmpty());
    const QByteArray needle = QByteArray(R"("status":)") + QByteArray::number(status);
    QVERIFY2(p.err().contains(needle), p.err().constData());
}

void tst_SluiceStream::wrongContentTypeExits4()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::status(200, "data: x\n\n", "text/plain") });
    StreamProcess p(QStringList { urlOf(server) });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 4);
    QVERIFY(p.out().isEmpty());
}

void tst_SluiceStream::noReconnectOnDroppedConnection()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse().send("id: 1\ndata: x\n\ndata: cut").drop(),
                        ResponseScript::sse().send("data: must not be seen\n\n").hold() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json"),
                                  QStringLiteral("--no-reconnect"),
                                  QStringLiteral("--retry-initial"), QStringLiteral("0") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 5);
    QCOMPARE(p.outLines(), (QList<QByteArray> { R"({"type":"message","data":"x","id":"1"})" }));
    // No reconnection: one attempt, and no request resumed after event 1 (see
    // reconnectResumesWithLastEventId for why the server's raw request count is not used).
    QCOMPARE(p.err().count(R"("kind":"connecting")"), 1);
    for (const RecordedRequest &req : server.requests())
        QVERIFY(!req.hasHeader("Last-Event-ID"));
}

void tst_SluiceStream::cleanEndWithNoReconnectExits0_data()
{
    QTest::addColumn<ResponseScript::Framing>("framing");
    QTest::newRow("close-delimited") << ResponseScript::Framing::CloseDelimited;
    QTest::newRow("chunked") << ResponseScript::Framing::Chunked;
}

void tst_SluiceStream::cleanEndWithNoReconnectExits0()
{
    // The server ending the stream after a complete event is a normal end (EndOfStream), not a
    // network failure: with --no-reconnect that is exit 0.
    QFETCH(ResponseScript::Framing, framing);
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse(framing).send("id: 1\ndata: x\n\n").end(),
                        ResponseScript::sse().send("data: must not be seen\n\n").hold() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json"),
                                  QStringLiteral("--no-reconnect"),
                                  QStringLiteral("--retry-initial"), QStringLiteral("0") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(p.outLines(), (QList<QByteArray> { R"({"type":"message","data":"x","id":"1"})" }));
    const QByteArray err = p.err();
    QVERIFY2(err.contains(R"("kind":"error","error":"EndOfStream")"), err.constData());
    QVERIFY2(err.endsWith(R"x({"kind":"exit","code":0,"reason":"the server ended the stream )x"
                          R"x((--no-reconnect)"})x"
                          "\n"),
             err.constData());
    QCOMPARE(err.count(R"("kind":"connecting")"), 1);

    // With --quiet nothing at all: a normal end is no error, and exit 0 is not shown.
    server.setScripts({ ResponseScript::sse(framing).send("id: 2\ndata: y\n\n").end() });
    StreamProcess quiet(
        QStringList { urlOf(server), QStringLiteral("--no-reconnect"), QStringLiteral("-q") });
    QVERIFY(quiet.finish());
    QCOMPARE(quiet.exitCode(), 0);
    QVERIFY2(quiet.err().isEmpty(), quiet.err().constData());
}

void tst_SluiceStream::cleanEndReconnects()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse().send("retry: 10\nid: 4\ndata: a\n\n").end(),
                        ResponseScript::sse().send("data: b\n\n").hold() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json"),
                                  QStringLiteral("--max-events"), QStringLiteral("2") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(p.outLines(),
             (QList<QByteArray> { R"({"type":"message","data":"a","id":"4"})",
                                  R"({"type":"message","data":"b","id":"4"})" }));
    QVERIFY2(p.err().contains(R"("error":"EndOfStream")"), p.err().constData());
    QCOMPARE(p.err().count(R"("kind":"connecting")"), 2);
    int resumed = 0;
    for (const RecordedRequest &req : server.requests())
        resumed += req.header("Last-Event-ID") == "4" ? 1 : 0;
    QVERIFY2(resumed == 1, p.err().constData());
}

void tst_SluiceStream::quietStillShowsErrorsAndFailures()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts(
        { ResponseScript::status(401, R"({"error":"token expired"})", "application/json") });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("-q") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 3);
    const QList<QByteArray> lines = p.errLines();
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines.at(0).startsWith("* error: HttpStatus (HTTP 401)"), p.err().constData());
    // The exit line adds the server's own explanation to the SDK's message.
    QVERIFY2(lines.at(1).startsWith("* exit 3: HTTP 401"), p.err().constData());
    QVERIFY2(lines.at(1).endsWith(": token expired"), p.err().constData());
}

void tst_SluiceStream::retriesExhaustedExits5()
{
    // A port nobody listens on: every attempt is refused.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    StreamProcess p(QStringList { QStringLiteral("http://127.0.0.1:%1/stream").arg(port),
                                  QStringLiteral("--json"), QStringLiteral("--max-retries"),
                                  QStringLiteral("2"), QStringLiteral("--retry-initial"),
                                  QStringLiteral("0.01") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 5);
}

void tst_SluiceStream::timeoutExits6()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse().send("data: first\n\n").hold() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json"),
                                  QStringLiteral("--timeout"), QStringLiteral("4") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 6);
    QCOMPARE(p.outLines(), (QList<QByteArray> { R"({"type":"message","data":"first","id":""})" }));
}

void tst_SluiceStream::parseLimitExits7()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse()
                            .send("data: ok\n\ndata: " + QByteArray(200, 'x') + "\n\n")
                            .hold() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json"),
                                  QStringLiteral("--max-line-bytes"), QStringLiteral("64") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 7);
    QCOMPARE(p.outLines(), (QList<QByteArray> { R"({"type":"message","data":"ok","id":""})" }));
}

void tst_SluiceStream::postWithDataFromFile()
{
    QTemporaryFile body;
    QVERIFY(body.open());
    body.write(R"({"prompt":"hi"})");
    body.close();
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse().send("data: ok\n\n").hold() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--data"),
                                  QLatin1Char('@') + body.fileName(), QStringLiteral("-H"),
                                  QStringLiteral("Content-Type: application/json"),
                                  QStringLiteral("-n"), QStringLiteral("1") });
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    const RecordedRequest req = server.requests().at(0);
    QCOMPARE(req.method, QByteArray("POST"));
    QCOMPARE(req.body, QByteArray(R"({"prompt":"hi"})"));
    QCOMPARE(req.header("Content-Type"), QByteArray("application/json"));
}

void tst_SluiceStream::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("no url") << QStringList {};
    QTest::newRow("two urls") << args({ "http://127.0.0.1:1/a", "http://127.0.0.1:1/b" });
    QTest::newRow("not http") << args({ "ftp://127.0.0.1/a" });
    QTest::newRow("bad header") << args({ "http://127.0.0.1:1/a", "-H", "no colon" });
    QTest::newRow("bad max-events") << args({ "http://127.0.0.1:1/a", "--max-events", "0" });
    QTest::newRow("bad timeout") << args({ "http://127.0.0.1:1/a", "--timeout", "soon" });
    QTest::newRow("unknown option") << args({ "http://127.0.0.1:1/a", "--frobnicate" });
    QTest::newRow("missing data file")
        << args({ "http://127.0.0.1:1/a", "--data", "@/nonexistent/sluice-body" });
    QTest::newRow("server form option without --server")
        << args({ "http://127.0.0.1:1/a", "--user", "demo" });
    QTest::newRow("server form without password source")
        << args({ "--server", "http://127.0.0.1:1", "--user", "demo", "--new-prompt", "x" });
    QTest::newRow("server form with a header")
        << args({ "--server", "http://127.0.0.1:1", "--user", "demo", "--password-stdin",
                  "--new-prompt", "x", "-H", "Authorization: Bearer t" });
}

void tst_SluiceStream::usageErrors()
{
    QFETCH(QStringList, arguments);
    StreamProcess p(arguments);
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.err().startsWith("sluice-stream: "));
}

void tst_SluiceStream::helpListsExitCodes()
{
    StreamProcess p(args({ "--help" }));
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.out().contains("Exit codes:"));
    QVERIFY(p.out().contains("--max-events"));
    StreamProcess v(args({ "--version" }));
    QVERIFY(v.finish());
    QCOMPARE(v.exitCode(), 0);
    QVERIFY(v.out().startsWith("sluice-stream "));
}

void tst_SluiceStream::signalsExitCleanly_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::addColumn<int>("expectedExit");
    QTest::newRow("SIGINT") << int(SIGINT) << 130;
    QTest::newRow("SIGTERM") << int(SIGTERM) << 143;
}

void tst_SluiceStream::signalsExitCleanly()
{
    QFETCH(int, signalNumber);
    QFETCH(int, expectedExit);
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse().send("data: hello\n\n").hold() });
    StreamProcess p(QStringList { urlOf(server), QStringLiteral("--json") });
    // Signal only once the stream is running (the handler is installed before connecting).
    QTRY_VERIFY_WITH_TIMEOUT(p.out().contains("hello"), waitMs);
    QVERIFY(::kill(pid_t(p.process().processId()), signalNumber) == 0);
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), expectedExit);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, waitMs);
}

QTEST_GUILESS_MAIN(tst_SluiceStream)
#include "tst_sluicestream.moc"
