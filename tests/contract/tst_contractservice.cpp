// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Drives sluice-contract-service (a child process) the way LaunchDarkly's sse-contract-tests
// harness does: a ScriptedSseServer plays the harness's stream endpoint, a QHttpServer in this
// test receives the callbacks.
#include "scriptedsseserver.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtHttpServer/QHttpServer>
#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponse>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using Sluice::Testing::ResponseScript;
using Sluice::Testing::ScriptedSseServer;

namespace {

constexpr int waitMs = 20000;

struct ProcessKiller
{
    void operator()(QProcess *process) const
    {
        if (process->state() != QProcess::NotRunning) {
            process->kill();
            process->waitForFinished(10000);
        }
        delete process;
    }
};

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QByteArray location;
};

} // namespace

class tst_ContractService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void capabilities();
    void badCreateRequestIs400();
    void eventsCommentsListenRestartDelete();
    void methodBodyAndHeaders();
    void serverDirectedShutdown();
    void readTimeoutReconnects();
    void byteOrderMarkIsStripped();
    void deleteRootStopsService();

private:
    HttpResult request(const QByteArray &method, const QUrl &url, const QJsonObject &body = {});
    QJsonObject createParams(const QUrl &streamUrl, const QString &callbackPath) const;
    QList<QJsonObject> callbacks(const QString &path) const;

    std::unique_ptr<QProcess, ProcessKiller> m_service;
    QUrl m_serviceUrl;
    QHttpServer m_harness;
    quint16 m_harnessPort = 0;
    QMap<QString, QMap<int, QJsonObject>> m_callbacks; // path -> counter -> message
    QNetworkAccessManager m_network;
};

void tst_ContractService::initTestCase()
{
    m_harness.route(QStringLiteral("/cb/<arg>/<arg>"), QHttpServerRequest::Method::Post,
                    [this](const QString &stream, int counter, const QHttpServerRequest &req) {
                        m_callbacks[stream].insert(counter,
                                                   QJsonDocument::fromJson(req.body()).object());
                        return QHttpServerResponse(QHttpServerResponse::StatusCode::Accepted);
                    });
    m_harnessPort = m_harness.listen(QHostAddress::LocalHost, 0);
    QVERIFY(m_harnessPort != 0);

    m_service.reset(new QProcess);
    m_service->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_service->start(QStringLiteral(SLUICE_CONTRACT_SERVICE),
                     { QStringLiteral("--port"), QStringLiteral("0") });
    QVERIFY2(m_service->waitForStarted(waitMs), qPrintable(m_service->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(m_service->canReadLine(), waitMs);
    const QString line = QString::fromUtf8(m_service->readLine()).trimmed();
    const auto match
        = QRegularExpression(QStringLiteral("^listening on (http://127\\.0\\.0\\.1:\\d+)$"))
              .match(line);
    QVERIFY2(match.hasMatch(), qPrintable(line));
    m_serviceUrl = QUrl(match.captured(1));
}

void tst_ContractService::init()
{
    QVERIFY(m_service && m_service->state() == QProcess::Running);
}

HttpResult tst_ContractService::request(const QByteArray &method, const QUrl &url,
                                        const QJsonObject &body)
{
    QNetworkRequest req(url);
    QByteArray payload;
    if (!body.isEmpty()) {
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
    }
    std::unique_ptr<QNetworkReply> reply(m_network.sendCustomRequest(req, method, payload));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(waitMs);
    HttpResult result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.location = reply->rawHeader("Location");
    return result;
}

QJsonObject tst_ContractService::createParams(const QUrl &streamUrl,
                                              const QString &callbackPath) const
{
    return { { QStringLiteral("streamUrl"), streamUrl.toString() },
             { QStringLiteral("callbackUrl"),
               QStringLiteral("http://127.0.0.1:%1/cb/%2").arg(m_harnessPort).arg(callbackPath) },
             { QStringLiteral("tag"), QString::fromLatin1(QTest::currentTestFunction()) },
             { QStringLiteral("initialDelayMs"), 0 } };
}

QList<QJsonObject> tst_ContractService::callbacks(const QString &path) const
{
    return m_callbacks.value(path).values();
}

void tst_ContractService::capabilities()
{
    const HttpResult result = request("GET", m_serviceUrl);
    QCOMPARE(result.status, 200);
    const QJsonArray caps
        = QJsonDocument::fromJson(result.body).object().value(u"capabilities").toArray();
    for (const char *expected :
         { "headers", "last-event-id", "post", "report", "read-timeout", "restart", "comments",
           "event-type-listeners", "server-directed-shutdown-request" })
        QVERIFY2(caps.contains(QString::fromLatin1(expected)), expected);
}

void tst_ContractService::badCreateRequestIs400()
{
    QCOMPARE(
        request("POST", m_serviceUrl, { { QStringLiteral("tag"), QStringLiteral("x") } }).status,
        400);
    QCOMPARE(request("POST", m_serviceUrl,
                     { { QStringLiteral("streamUrl"), QStringLiteral("not a url") },
                       { QStringLiteral("callbackUrl"), QStringLiteral("http://127.0.0.1:1/cb") } })
                 .status,
             400);
    QCOMPARE(request("POST", m_serviceUrl.resolved(QUrl(QStringLiteral("/streams/999"))),
                     { { QStringLiteral("command"), QStringLiteral("restart") } })
                 .status,
             404);
    QCOMPARE(request("DELETE", m_serviceUrl.resolved(QUrl(QStringLiteral("/streams/999")))).status,
             404);
}

void tst_ContractService::eventsCommentsListenRestartDelete()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({
        ResponseScript::sse()
            .send("id: 1\ndata: a\ndata: b\n\n:hi\n")
            .send("event: greeting\ndata: not listened yet\n\n")
            .send("data: c\n\n")
            .hold(),
        ResponseScript::sse().send("event: greeting\nid: 2\ndata: g\n\n").hold(),
    });
    const QString cb = QStringLiteral("s1");
    QJsonObject params = createParams(server.url(), cb);
    params.insert(QStringLiteral("headers"),
                  QJsonObject { { QStringLiteral("x-test-header"), QStringLiteral("v1") } });
    params.insert(QStringLiteral("lastEventId"), QStringLiteral("0"));

    const HttpResult created = request("POST", m_serviceUrl, params);
    QCOMPARE(created.status, 201);
    const QUrl streamResource(QString::fromUtf8(created.location));
    QVERIFY2(streamResource.isValid() && streamResource.path().startsWith(u"/streams/"),
             created.location.constData());

    QTRY_COMPARE_WITH_TIMEOUT(m_callbacks.value(cb).size(), 3, waitMs);
    const QList<QJsonObject> first = callbacks(cb);
    QCOMPARE(m_callbacks.value(cb).firstKey(), 1); // the counter starts at 1 ...
    QCOMPARE(m_callbacks.value(cb).lastKey(), 3); // ... and has no gaps
    const QJsonObject event1 { { QStringLiteral("type"), QStringLiteral("message") },
                               { QStringLiteral("data"), QStringLiteral("a\nb") },
                               { QStringLiteral("id"), QStringLiteral("1") } };
    QCOMPARE(first.at(0),
             (QJsonObject { { QStringLiteral("kind"), QStringLiteral("event") },
                            { QStringLiteral("event"), event1 } }));
    QCOMPARE(first.at(1),
             (QJsonObject { { QStringLiteral("kind"), QStringLiteral("comment") },
                            { QStringLiteral("comment"), QStringLiteral("hi") } }));
    // "greeting" was not listened for: skipped. The id persists across events.
    const QJsonObject event3 { { QStringLiteral("type"), QStringLiteral("message") },
                               { QStringLiteral("data"), QStringLiteral("c") },
                               { QStringLiteral("id"), QStringLiteral("1") } };
    QCOMPARE(first.at(2).value(u"event").toObject(), event3);

    const auto requests = server.requests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.at(0).header("x-test-header"), QByteArray("v1"));
    QCOMPARE(requests.at(0).header("Last-Event-ID"), QByteArray("0"));

    // listen, then restart: the new connection's greeting is delivered, resuming after id 1.
    QCOMPARE(request("POST", streamResource,
                     { { QStringLiteral("command"), QStringLiteral("listen") },
                       { QStringLiteral("listen"),
                         QJsonObject { { QStringLiteral("type"), QStringLiteral("greeting") } } } })
                 .status,
             202);
    QCOMPARE(
        request("POST", streamResource, { { QStringLiteral("command"), QStringLiteral("nope") } })
            .status,
        400);
    QCOMPARE(request("POST", streamResource,
                     { { QStringLiteral("command"), QStringLiteral("restart") } })
                 .status,
             202);
    const auto resumed = [&server] {
        for (const auto &req : server.requests()) {
            if (req.header("Last-Event-ID") == "1")
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(resumed(), waitMs);
    const QJsonObject greeting { { QStringLiteral("type"), QStringLiteral("greeting") },
                                 { QStringLiteral("data"), QStringLiteral("g") },
                                 { QStringLiteral("id"), QStringLiteral("2") } };
    const auto hasGreeting = [&] {
        for (const QJsonObject &message : callbacks(cb)) {
            if (message.value(u"event").toObject() == greeting)
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(hasGreeting(), waitMs);
    const auto &all = m_callbacks.value(cb);
    QCOMPARE(all.lastKey(), all.size()); // still 1..n without gaps

    // DELETE closes the client's connection; a second DELETE finds nothing.
    QSignalSpy closedSpy(&server, &ScriptedSseServer::connectionClosed);
    QCOMPARE(request("DELETE", streamResource).status, 204);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, waitMs);
    QCOMPARE(request("DELETE", streamResource).status, 404);
}

void tst_ContractService::methodBodyAndHeaders()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse().send("data: ok\n\n").hold() });
    const QString cb = QStringLiteral("s2");
    QJsonObject params = createParams(server.url(), cb);
    params.insert(QStringLiteral("method"), QStringLiteral("REPORT"));
    params.insert(QStringLiteral("body"), QStringLiteral("{\"q\":1}"));
    params.insert(
        QStringLiteral("headers"),
        QJsonObject { { QStringLiteral("content-type"), QStringLiteral("application/json") },
                      { QStringLiteral("authorization"), QStringLiteral("Bearer t") } });
    const HttpResult created = request("POST", m_serviceUrl, params);
    QCOMPARE(created.status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(m_callbacks.value(cb).size(), 1, waitMs);
    const auto req = server.requests().at(0);
    QCOMPARE(req.method, QByteArray("REPORT"));
    QCOMPARE(req.body, QByteArray("{\"q\":1}"));
    QVERIFY(req.header("Content-Type").startsWith("application/json"));
    QCOMPARE(req.header("Authorization"), QByteArray("Bearer t"));
    QCOMPARE(request("DELETE", QUrl(QString::fromUtf8(created.location))).status, 204);
}

void tst_ContractService::serverDirectedShutdown()
{
    // 204 -> the client stops for good. Proof without a sleep: the stream server's next script
    // would be served to any reconnection; after the 204 we restart nothing, create a second
    // stream on the same server, and check that the first never came back.
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setHandler([](const Sluice::Testing::RecordedRequest &req) {
        if (req.path() == u"/stop")
            return ResponseScript::noContent();
        return ResponseScript::sse().send("data: second\n\n").hold();
    });
    const HttpResult first
        = request("POST", m_serviceUrl,
                  createParams(server.url(QStringLiteral("/stop")), QStringLiteral("s3")));
    QCOMPARE(first.status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(server.requestCount(), 1, waitMs);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnections(), 0, waitMs);
    const HttpResult second
        = request("POST", m_serviceUrl,
                  createParams(server.url(QStringLiteral("/go")), QStringLiteral("s4")));
    QCOMPARE(second.status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(m_callbacks.value(QStringLiteral("s4")).size(), 1, waitMs);
    int stopRequests = 0;
    for (const auto &req : server.requests())
        stopRequests += req.path() == u"/stop" ? 1 : 0;
    QCOMPARE(stopRequests, 1);
    for (const QJsonObject &message : callbacks(QStringLiteral("s3")))
        QVERIFY2(message.value(u"kind").toString() != u"event", "no event after 204");
    QCOMPARE(request("DELETE", QUrl(QString::fromUtf8(first.location))).status, 204);
    QCOMPARE(request("DELETE", QUrl(QString::fromUtf8(second.location))).status, 204);
}

void tst_ContractService::readTimeoutReconnects()
{
    // Headers, one event, then silence: the read timeout drops the connection, an error
    // callback follows, and the client reconnects resuming after event 1.
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse().send("id: 1\ndata: x\n\n").hold() });
    const QString cb = QStringLiteral("s5");
    QJsonObject params = createParams(server.url(), cb);
    params.insert(QStringLiteral("readTimeoutMs"), 300);
    const HttpResult created = request("POST", m_serviceUrl, params);
    QCOMPARE(created.status, 201);
    const auto reconnected = [&server] {
        for (const auto &req : server.requests()) {
            if (req.header("Last-Event-ID") == "1")
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(reconnected(), waitMs);
    bool sawError = false;
    for (const QJsonObject &message : callbacks(cb))
        sawError = sawError || message.value(u"kind").toString() == u"error";
    QVERIFY(sawError);
    QCOMPARE(request("DELETE", QUrl(QString::fromUtf8(created.location))).status, 204);
}

void tst_ContractService::byteOrderMarkIsStripped()
{
    ScriptedSseServer server;
    QVERIFY(server.listen());
    server.setScripts({ ResponseScript::sse()
                            .send("\xEF\xBB")
                            .send("\xBF"
                                  "data: bom\n\n")
                            .hold() });
    const QString cb = QStringLiteral("s6");
    const HttpResult created = request("POST", m_serviceUrl, createParams(server.url(), cb));
    QCOMPARE(created.status, 201);
    QTRY_COMPARE_WITH_TIMEOUT(m_callbacks.value(cb).size(), 1, waitMs);
    QCOMPARE(callbacks(cb).at(0).value(u"event").toObject().value(u"data").toString(),
             QStringLiteral("bom"));
    QCOMPARE(request("DELETE", QUrl(QString::fromUtf8(created.location))).status, 204);
}

void tst_ContractService::deleteRootStopsService()
{
    QSignalSpy finished(m_service.get(), &QProcess::finished);
    QCOMPARE(request("DELETE", m_serviceUrl).status, 204);
    QVERIFY(m_service->state() == QProcess::NotRunning || finished.wait(waitMs));
    QCOMPARE(m_service->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_service->exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_ContractService)
#include "tst_contractservice.moc"
