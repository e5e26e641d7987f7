// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Sluice::EventSource against the scripted server on 127.0.0.1.
#include "eventsourcetesting.h"

#include <Sluice/EventSource.h>

#include <QtCore/QPointer>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace std::chrono_literals;
using Sluice::Error;
using Sluice::Event;
using Sluice::EventSource;
using Sluice::RetryPolicy;
using Sluice::Testing::RecordedRequest;
using Sluice::Testing::ResponseScript;
using Sluice::Testing::ScriptedSseServer;
using namespace Sluice::Testing;
using Framing = ResponseScript::Framing;

class TestEventSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        server = std::make_unique<ScriptedSseServer>();
        server->setDeduplicationHeader(SerialHeader);
        QVERIFY(server->listen());
    }
    void cleanup() { server.reset(); }

    void requestHeadersAndHookPerAttempt()
    {
        server->setScripts({ ResponseScript::sse().send("data: one\n\n").drop(),
                             ResponseScript::sse().send("data: two\n\n").hold() });
        auto source = makeSource(server->url());
        source->setRawHeader("X-Custom", "c1");
        source->setRawHeader("X-Custom", "c2"); // replaces
        QList<int> hookAttempts;
        setHook(source.get(), [&](QNetworkRequest &request, int attempt) {
            hookAttempts.append(attempt);
            request.setRawHeader("Authorization", "Bearer token-" + QByteArray::number(attempt));
        });
        Spies spies(source.get());
        source->open();
        QCOMPARE(source->readyState(), EventSource::ReadyState::Connecting);
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 2, Timeout);

        const QList<RecordedRequest> requests = server->requests();
        QCOMPARE(requests.size(), 2);
        for (const RecordedRequest &request : requests) {
            QCOMPARE(request.method, QByteArray("GET"));
            QCOMPARE(request.target, QByteArray("/stream"));
            QCOMPARE(request.header("Accept"), QByteArray("text/event-stream"));
            QCOMPARE(request.header("Cache-Control"), QByteArray("no-cache"));
            QCOMPARE(request.headerValues("X-Custom"), QList<QByteArray> { "c2" });
        }
        QCOMPARE(requests.at(0).header("Authorization"), QByteArray("Bearer token-1"));
        QCOMPARE(requests.at(1).header("Authorization"), QByteArray("Bearer token-2"));
        QCOMPARE(hookAttempts, (QList<int> { 1, 2 }));
        QCOMPARE(spies.reconnecting.size(), 1);
        QCOMPARE(spies.reconnectAttempt(0), 2);
        QCOMPARE(spies.opened.size(), 2);
        QCOMPARE(source->readyState(), EventSource::ReadyState::Open);
    }

    void methodAndBodyResentOnEveryAttempt()
    {
        server->setScripts({ ResponseScript::sse().send("data: one\n\n").drop(),
                             ResponseScript::sse().send("data: two\n\n").hold() });
        auto source = makeSource(server->url(QStringLiteral("/prompts?x=1")));
        source->setMethod("POST");
        source->setBody(R"({"prompt":"hi"})", "application/json");
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 2, Timeout);
        const auto requests = server->requests();
        QCOMPARE(requests.size(), 2);
        for (const RecordedRequest &request : requests) {
            QCOMPARE(request.method, QByteArray("POST"));
            QCOMPARE(request.target, QByteArray("/prompts?x=1"));
            QCOMPARE(request.body, QByteArray(R"({"prompt":"hi"})"));
            QCOMPARE(request.header("Content-Type"), QByteArray("application/json"));
            QCOMPARE(request.header("Accept"), QByteArray("text/event-stream"));
        }
    }

    void lastEventIdAbsentFirstThenSent()
    {
        server->setScripts({ ResponseScript::sse().send("id: 7\ndata: a\n\n").drop(),
                             ResponseScript::sse().send("data: b\n\n").hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        QSignalSpy idChanges(source.get(), &EventSource::lastEventIdChanged);
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 2, Timeout);
        const auto requests = server->requests();
        QVERIFY(!requests.at(0).hasHeader("Last-Event-ID"));
        QCOMPARE(requests.at(1).header("Last-Event-ID"), QByteArray("7"));
        QCOMPARE(spies.event(0).lastEventId(), QStringLiteral("7"));
        QCOMPARE(spies.event(1).lastEventId(), QStringLiteral("7")); // persists across events
        QCOMPARE(source->lastEventId(), QStringLiteral("7"));
        QCOMPARE(idChanges.size(), 1);
    }

    void initialLastEventIdSentOnFirstAttempt()
    {
        server->setScripts({ ResponseScript::sse().send("data: resumed\n\n").hold() });
        auto source = makeSource(server->url());
        source->setLastEventId(QStringLiteral("42"));
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        QCOMPARE(server->requests().at(0).header("Last-Event-ID"), QByteArray("42"));
        QCOMPARE(spies.event(0).lastEventId(), QStringLiteral("42"));
    }

    void slowByteByByteDelivery_data()
    {
        QTest::addColumn<Framing>("framing");
        QTest::newRow("close-delimited") << Framing::CloseDelimited;
        QTest::newRow("chunked") << Framing::Chunked;
    }

    void slowByteByByteDelivery()
    {
        QFETCH(Framing, framing);
        const QByteArray stream = "\xEF\xBB\xBF: hello\r\nevent: tool_use\r\ndata: {\"a\":1}\r\n"
                                  "data: line2\r\n\r\nid: 3\rdata: caf\xC3\xA9\r\rdata: last\n\n";
        server->setScripts({ ResponseScript::sse(framing).sendSlowly(stream, 1, 1).hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 3, Timeout);
        QCOMPARE(spies.event(0).type(), QStringLiteral("tool_use"));
        QCOMPARE(spies.event(0).data(), QStringLiteral("{\"a\":1}\nline2"));
        QCOMPARE(spies.event(1).type(), QStringLiteral("message"));
        QCOMPARE(spies.event(1).data(), QString::fromUtf8("caf\xC3\xA9"));
        QCOMPARE(spies.event(1).lastEventId(), QStringLiteral("3"));
        QCOMPARE(spies.event(2).data(), QStringLiteral("last"));
        QCOMPARE(spies.comments.size(), 1);
        QCOMPARE(spies.comments.at(0).at(0).toString(), QStringLiteral(" hello"));
        QCOMPARE(spies.errors.size(), 0);
        QCOMPARE(server->requestCount(), 1);
    }

    void dropMidEventDiscardsAndResumes_data()
    {
        QTest::addColumn<Framing>("framing");
        QTest::newRow("close-delimited") << Framing::CloseDelimited;
        QTest::newRow("chunked") << Framing::Chunked;
    }

    void dropMidEventDiscardsAndResumes()
    {
        QFETCH(Framing, framing);
        server->setScripts(
            { ResponseScript::sse(framing).send("id: 1\ndata: one\n\nid: 2\ndata: partial").drop(),
              ResponseScript::sse(framing).send("id: 3\ndata: three\n\n").hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 2, Timeout);
        QCOMPARE(spies.eventData(),
                 (QStringList { QStringLiteral("one"), QStringLiteral("three") }));
        QCOMPARE(server->requests().at(1).header("Last-Event-ID"), QByteArray("1"));
        QCOMPARE(spies.errors.size(), 1);
        QCOMPARE(spies.error(0).kind(), Error::Kind::Network);
        QVERIFY(spies.error(0).willRetry());
        QCOMPARE(spies.reconnecting.size(), 1);
        QCOMPARE(spies.reconnectDelay(0), 20);
        QCOMPARE(source->lastEventId(), QStringLiteral("3"));
        // Open -> Connecting -> Open across the drop.
        QList<EventSource::ReadyState> states;
        for (const auto &args : std::as_const(spies.states))
            states.append(args.at(0).value<EventSource::ReadyState>());
        using S = EventSource::ReadyState;
        QCOMPARE(states, (QList<S> { S::Connecting, S::Open, S::Connecting, S::Open }));
    }

    void retryFieldSetsTheDelay()
    {
        server->setScripts({ ResponseScript::sse().send("retry: 50\ndata: a\n\n").drop(),
                             ResponseScript::sse().send("data: b\n\n").drop(),
                             ResponseScript::sse().send("data: c\n\n").hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 3, Timeout);
        QCOMPARE(spies.reconnecting.size(), 2);
        QCOMPARE(spies.reconnectDelay(0), 50); // retry: replaces the initial delay
        QCOMPARE(spies.reconnectDelay(1), 100); // and backoff doubles it
        QCOMPARE(spies.reconnectAttempt(0), 2);
        QCOMPARE(spies.reconnectAttempt(1), 3);
    }

    void stableConnectionResetsBackoff()
    {
        server->setScripts({ ResponseScript::sse().send("data: a\n\n").drop() });
        auto source = makeSource(server->url());
        RetryPolicy policy = source->retryPolicy();
        policy.setResetAfter(0ms); // every opened connection counts as stable
        source->setRetryPolicy(policy);
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(spies.reconnecting.size() >= 3, Timeout);
        source->close();
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(spies.reconnectDelay(i), 20);
            QCOMPARE(spies.reconnectAttempt(i), 2);
        }
    }

    void backoffGrowsWithoutStableConnection()
    {
        server->setScripts({ ResponseScript::sse().send("data: a\n\n").drop() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(spies.reconnecting.size() >= 3, Timeout);
        source->close();
        QCOMPARE(spies.reconnectDelay(0), 20);
        QCOMPARE(spies.reconnectDelay(1), 40);
        QCOMPARE(spies.reconnectDelay(2), 80);
    }

    void noContentClosesForGood()
    {
        server->setScripts({ ResponseScript::noContent() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(source->readyState(), EventSource::ReadyState::Closed);
        QCOMPARE(spies.errors.size(), 0);
        QCOMPARE(spies.opened.size(), 0);
        QCOMPARE(spies.reconnecting.size(), 0);
        expectQuiet(*server, 1);
        QCOMPARE(spies.closed.size(), 1);
    }

    void redirectsFollowed_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("expectedMethod");
        QTest::addColumn<bool>("bodyKept");
        QTest::newRow("301 GET") << 301 << QByteArray("GET") << QByteArray("GET") << false;
        QTest::newRow("302 GET") << 302 << QByteArray("GET") << QByteArray("GET") << false;
        QTest::newRow("307 GET") << 307 << QByteArray("GET") << QByteArray("GET") << false;
        QTest::newRow("308 GET") << 308 << QByteArray("GET") << QByteArray("GET") << false;
        QTest::newRow("307 POST") << 307 << QByteArray("POST") << QByteArray("POST") << true;
        QTest::newRow("308 POST") << 308 << QByteArray("POST") << QByteArray("POST") << true;
        QTest::newRow("303 POST") << 303 << QByteArray("POST") << QByteArray("GET") << false;
        QTest::newRow("301 POST") << 301 << QByteArray("POST") << QByteArray("GET") << false;
    }

    void redirectsFollowed()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, expectedMethod);
        QFETCH(bool, bodyKept);
        server->setScripts({ ResponseScript::redirect(status, "/moved?y=2"),
                             ResponseScript::sse().send("data: here\n\n").hold() });
        auto source = makeSource(server->url());
        source->setLastEventId(QStringLiteral("5"));
        if (method == "POST")
            source->setBody("payload", "text/plain");
        source->setMethod(method);
        QList<QPair<QUrl, int>> hookCalls;
        setHook(source.get(), [&](QNetworkRequest &request, int attempt) {
            hookCalls.append({ request.url(), attempt });
            request.setRawHeader("X-Hook", QByteArray::number(hookCalls.size()));
        });
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        QCOMPARE(spies.event(0).data(), QStringLiteral("here"));
        QCOMPARE(spies.event(0).origin(),
                 QStringLiteral("http://127.0.0.1:%1").arg(server->port()));
        const auto requests = server->requests();
        QCOMPARE(requests.size(), 2);
        QCOMPARE(requests.at(1).target, QByteArray("/moved?y=2"));
        QCOMPARE(requests.at(1).method, expectedMethod);
        QCOMPARE(requests.at(1).body, bodyKept ? QByteArray("payload") : QByteArray());
        QCOMPARE(requests.at(1).header("Last-Event-ID"), QByteArray("5"));
        QCOMPARE(requests.at(1).header("X-Hook"), QByteArray("2"));
        QCOMPARE(hookCalls.size(), 2);
        QCOMPARE(hookCalls.at(0).second, 1);
        QCOMPARE(hookCalls.at(1).second, 1); // same attempt
        QCOMPARE(hookCalls.at(1).first, server->url(QStringLiteral("/moved?y=2")));
        QCOMPARE(spies.errors.size(), 0);
        QCOMPARE(spies.reconnecting.size(), 0);
    }

    void redirectLimit()
    {
        server->setHandler([](const RecordedRequest &request) {
            return ResponseScript::redirect(307, "/r" + QByteArray::number(request.index + 1));
        });
        auto source = makeSource(server->url());
        source->setMaxRedirects(3);
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(spies.errors.size(), 1);
        QCOMPARE(spies.error(0).kind(), Error::Kind::TooManyRedirects);
        QVERIFY(!spies.error(0).willRetry());
        QCOMPARE(server->requestCount(), 4); // the original + 3 redirects
        QCOMPARE(source->readyState(), EventSource::ReadyState::Closed);
        expectQuiet(*server, 4);
    }

    void crossOriginRedirectDropsCredentialHeaders()
    {
        ScriptedSseServer other;
        other.setDeduplicationHeader(SerialHeader);
        QVERIFY(other.listen());
        other.setScripts({ ResponseScript::sse().send("data: x\n\n").hold() });
        // 127.0.0.1 and localhost are different origins.
        const QByteArray target = "http://localhost:" + QByteArray::number(other.port()) + "/s";
        server->setScripts({ ResponseScript::redirect(307, target) });
        auto source = makeSource(server->url());
        source->setRawHeader("Authorization", "Bearer secret");
        source->setRawHeader("X-Plain", "kept");
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        QCOMPARE(server->requests().at(0).header("Authorization"), QByteArray("Bearer secret"));
        QVERIFY(!other.requests().at(0).hasHeader("Authorization"));
        QCOMPARE(other.requests().at(0).header("X-Plain"), QByteArray("kept"));
        QCOMPARE(spies.event(0).origin(), QStringLiteral("http://localhost:%1").arg(other.port()));
    }

    void authErrorsCloseWithStatus_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("401") << 401;
        QTest::newRow("403") << 403;
    }

    void authErrorsCloseWithStatus()
    {
        QFETCH(int, status);
        server->setScripts(
            { ResponseScript::status(status, R"({"error":"no"})", "application/json")
                  .setHeader("WWW-Authenticate", R"(Bearer error="invalid_token")") });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(spies.errors.size(), 1);
        const Error error = spies.error(0);
        QCOMPARE(error.kind(), Error::Kind::HttpStatus);
        QCOMPARE(error.httpStatus(), status);
        QVERIFY(!error.willRetry());
        QVERIFY(error.isAuthError());
        QCOMPARE(spies.reconnecting.size(), 0);
        QCOMPARE(source->readyState(), EventSource::ReadyState::Closed);
        expectQuiet(*server, 1);
    }

    void reopenAfterAuthErrorFromClosedSlot()
    {
        server->setScripts(
            { ResponseScript::status(401), ResponseScript::sse().send("data: ok\n\n").hold() });
        auto source = makeSource(server->url());
        int token = 0;
        setHook(source.get(), [&](QNetworkRequest &request, int) {
            request.setRawHeader("Authorization", "Bearer t" + QByteArray::number(token));
        });
        Spies spies(source.get());
        // An auth layer: refresh on 401, then open again once closed.
        connect(source.get(), &EventSource::errorOccurred, this, [&](const Error &error) {
            if (error.isAuthError())
                ++token;
        });
        connect(source.get(), &EventSource::closed, source.get(), &EventSource::open,
                Qt::SingleShotConnection);
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        QCOMPARE(server->requests().at(1).header("Authorization"), QByteArray("Bearer t1"));
        QCOMPARE(spies.closed.size(), 1);
        QCOMPARE(source->readyState(), EventSource::ReadyState::Open);
    }

    void serverErrorsHonourRetryAfter_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("retryAfter");
        QTest::addColumn<int>("expectedDelay");
        QTest::newRow("500 Retry-After 1") << 500 << QByteArray("1") << 1000;
        QTest::newRow("503 Retry-After 1") << 503 << QByteArray("1") << 1000;
        QTest::newRow("429 Retry-After 1") << 429 << QByteArray("1") << 1000;
        QTest::newRow("503 no Retry-After") << 503 << QByteArray() << 20;
        QTest::newRow("408") << 408 << QByteArray() << 20;
        QTest::newRow("502 bad Retry-After") << 502 << QByteArray("soon") << 20;
    }

    void serverErrorsHonourRetryAfter()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, retryAfter);
        QFETCH(int, expectedDelay);
        server->setScripts(
            { ResponseScript::status(status, "busy\n").setHeader("Retry-After", retryAfter),
              ResponseScript::sse().send("data: back\n\n").hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        auto stateWhenReconnecting = EventSource::ReadyState::Closed;
        connect(source.get(), &EventSource::reconnecting, this,
                [&] { stateWhenReconnecting = source->readyState(); });
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.reconnecting.isEmpty(), Timeout);
        QCOMPARE(spies.errors.size(), 1);
        const Error error = spies.error(0);
        QCOMPARE(error.kind(), Error::Kind::HttpStatus);
        QCOMPARE(error.httpStatus(), status);
        QVERIFY(error.willRetry());
        QCOMPARE(error.retryAfter(),
                 retryAfter == "1" ? std::optional<std::chrono::milliseconds>(1000ms)
                                   : std::optional<std::chrono::milliseconds>());
        QCOMPARE(spies.reconnectDelay(0), expectedDelay);
        QCOMPARE(stateWhenReconnecting, EventSource::ReadyState::Connecting);
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        QCOMPARE(spies.event(0).data(), QStringLiteral("back"));
    }

    void otherClientErrorsFail()
    {
        server->setScripts({ ResponseScript::status(404, "nope\n") });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(spies.error(0).httpStatus(), 404);
        QVERIFY(!spies.error(0).willRetry());
        expectQuiet(*server, 1);
    }

    void wrongContentTypeFailsWithoutRetry()
    {
        // Content-Length framing: see the note on close-delimited responses in
        // parseLimitClosesForGood().
        server->setScripts({ ResponseScript::status(200, "data: x\n\n", "text/plain") });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(spies.errors.size(), 1);
        QCOMPARE(spies.error(0).kind(), Error::Kind::ContentType);
        QCOMPARE(spies.error(0).httpStatus(), 200);
        QVERIFY(!spies.error(0).willRetry());
        QCOMPARE(spies.events.size(), 0);
        QCOMPARE(spies.opened.size(), 0);
        expectQuiet(*server, 1);
    }

    void contentTypeParametersAndCaseAccepted()
    {
        server->setScripts({ ResponseScript::sse()
                                 .setHeader("Content-Type", "Text/Event-Stream; charset=utf-8")
                                 .send("data: x\n\n")
                                 .hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        QCOMPARE(spies.errors.size(), 0);
    }

    void readTimeoutReconnects_data()
    {
        QTest::addColumn<bool>("silent");
        QTest::newRow("after a heartbeat") << false;
        QTest::newRow("no response head") << true;
    }

    void readTimeoutReconnects()
    {
        QFETCH(bool, silent);
        server->setScripts(
            { silent ? ResponseScript::silent() : ResponseScript::sse().send(": hb\n\n").hold(),
              ResponseScript::sse().send("data: fresh\n\n").hold() });
        auto source = makeSource(server->url());
        source->setReadTimeout(300ms);
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        QCOMPARE(spies.event(0).data(), QStringLiteral("fresh"));
        QCOMPARE(spies.errors.size(), 1);
        QCOMPARE(spies.error(0).kind(), Error::Kind::Timeout);
        QVERIFY(spies.error(0).willRetry());
        QCOMPARE(spies.reconnecting.size(), 1);
        QCOMPARE(server->requestCount(), 2);
        QCOMPARE(spies.comments.size(), silent ? 0 : 1);
    }

    void maxAttemptsExhausted()
    {
        server->setScripts({ ResponseScript::status(500) });
        auto source = makeSource(server->url());
        RetryPolicy policy = source->retryPolicy();
        policy.setMaxAttempts(3);
        source->setRetryPolicy(policy);
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(server->requestCount(), 3);
        QCOMPARE(spies.reconnecting.size(), 2);
        QCOMPARE(spies.errors.size(), 3);
        QCOMPARE(spies.error(0).kind(), Error::Kind::HttpStatus);
        QVERIFY(spies.error(1).willRetry());
        const Error last = spies.error(2);
        QCOMPARE(last.kind(), Error::Kind::RetriesExhausted);
        QCOMPARE(last.httpStatus(), 500);
        QVERIFY(!last.willRetry());
        QCOMPARE(source->readyState(), EventSource::ReadyState::Closed);
        expectQuiet(*server, 3);
    }

    void maxElapsedExhausted()
    {
        server->setScripts({ ResponseScript::status(503).setHeader("Retry-After", "60") });
        auto source = makeSource(server->url());
        RetryPolicy policy = source->retryPolicy();
        policy.setMaxElapsed(10s); // a 60 s Retry-After would exceed it
        source->setRetryPolicy(policy);
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(spies.errors.size(), 1);
        QCOMPARE(spies.error(0).kind(), Error::Kind::RetriesExhausted);
        QCOMPARE(spies.error(0).retryAfter(), std::optional<std::chrono::milliseconds>(60000ms));
        QCOMPARE(spies.reconnecting.size(), 0);
    }

    void connectionRefusedRetries()
    {
        QTcpServer probe; // find a free port, then free it again
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();
        auto source = makeSource(QUrl(QStringLiteral("http://127.0.0.1:%1/s").arg(port)));
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.reconnecting.isEmpty(), Timeout);
        QCOMPARE(spies.error(0).kind(), Error::Kind::Network);
        QCOMPARE(spies.error(0).httpStatus(), 0);
        QVERIFY(spies.error(0).willRetry());
        source->close();
        QCOMPARE(spies.closed.size(), 1);
    }

    void invalidUrlFails()
    {
        EventSource source(QUrl(QStringLiteral("ftp://127.0.0.1/x")));
        Spies spies(&source);
        source.open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(spies.error(0).kind(), Error::Kind::Network);
        QVERIFY(!spies.error(0).willRetry());
    }

    void closeFromEventSlotStopsDispatch()
    {
        server->setScripts({ ResponseScript::sse()
                                 .send("id: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: c\n\n")
                                 .hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        connect(source.get(), &EventSource::eventReceived, source.get(), &EventSource::close);
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(spies.events.size(), 1);
        QCOMPARE(spies.event(0).data(), QStringLiteral("a"));
        QCOMPARE(spies.errors.size(), 0);
        QCOMPARE(source->lastEventId(), QStringLiteral("1"));
        QCOMPARE(source->readyState(), EventSource::ReadyState::Closed);
        QTRY_COMPARE_WITH_TIMEOUT(server->openConnections(), 0, Timeout);
        QCOMPARE(spies.events.size(), 1);
        QCOMPARE(spies.closed.size(), 1);
        source->close(); // no-op when Closed
        QCOMPARE(spies.closed.size(), 1);
    }

    void deleteLaterFromEventSlot()
    {
        server->setScripts(
            { ResponseScript::sse().send("data: a\n\ndata: b\n\n").send("data: c\n\n").hold() });
        QPointer<EventSource> source = makeSource(server->url()).release();
        int received = 0;
        connect(source.data(), &EventSource::eventReceived, source.data(), [&] {
            ++received;
            source->deleteLater();
        });
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(source.isNull(), Timeout);
        QVERIFY(received >= 1);
        QTRY_COMPARE_WITH_TIMEOUT(server->openConnections(), 0, Timeout);
    }

    void reconnectSlotKeepsLastEventId()
    {
        server->setScripts({ ResponseScript::sse().send("id: 9\ndata: a\n\n").hold(),
                             ResponseScript::sse().send("data: b\n\n").hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        source->reconnect();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 2, Timeout);
        QCOMPARE(server->requests().at(1).header("Last-Event-ID"), QByteArray("9"));
        QCOMPARE(spies.errors.size(), 0);
    }

    void heartbeatsKeepTheConnectionAlive()
    {
        // 40 comments 50 ms apart span 2 s, longer than the 1.5 s read timeout: only the
        // comments resetting the timer keep this connection up.
        QByteArray heartbeats;
        for (int i = 0; i < 40; ++i)
            heartbeats += ": hb\n";
        server->setScripts({ ResponseScript::sse(Framing::Chunked)
                                 .sendSlowly(heartbeats, 5, 50)
                                 .send("data: after\n\n")
                                 .hold() });
        auto source = makeSource(server->url());
        source->setReadTimeout(1500ms);
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        QCOMPARE(spies.event(0).data(), QStringLiteral("after"));
        QCOMPARE(spies.comments.size(), 40);
        QCOMPARE(spies.errors.size(), 0);
        QCOMPARE(server->requestCount(), 1);
    }

    void hookMayCloseTheSource()
    {
        server->setScripts({ ResponseScript::sse().send("data: x\n\n").hold() });
        auto source = makeSource(server->url());
        EventSource *raw = source.get();
        setHook(source.get(), [raw](QNetworkRequest &, int) { raw->close(); });
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(source->readyState(), EventSource::ReadyState::Closed);
        QCOMPARE(spies.errors.size(), 0);
        expectQuiet(*server, 0);
    }

    void unsafeLastEventIdIsNotSent()
    {
        server->setScripts({ ResponseScript::sse().send("data: x\n\n").hold() });
        auto source = makeSource(server->url());
        source->setLastEventId(QStringLiteral("1\r\nX-Injected: yes"));
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.events.isEmpty(), Timeout);
        const RecordedRequest request = server->requests().at(0);
        QVERIFY(!request.hasHeader("Last-Event-ID"));
        QVERIFY(!request.hasHeader("X-Injected"));
    }

    void parseLimitClosesForGood()
    {
        // Chunked and held open, like the real server. (Qt 6.4's HTTP/1 channel sometimes sends
        // a request again by itself when a reply is dropped early while its server ends a
        // close-delimited response; that would look like a reconnect here.)
        server->setScripts({ ResponseScript::sse(Framing::Chunked)
                                 .send("data: ok\n\ndata: " + QByteArray(200, 'x') + "\n\n")
                                 .hold() });
        auto source = makeSource(server->url());
        Sluice::SseParser::Limits limits;
        limits.setMaxLineBytes(64);
        source->setParserLimits(limits);
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(!spies.closed.isEmpty(), Timeout);
        QCOMPARE(spies.eventData(), QStringList { QStringLiteral("ok") });
        QCOMPARE(spies.errors.size(), 1);
        QCOMPARE(spies.error(0).kind(), Error::Kind::ParseLimit);
        QVERIFY(!spies.error(0).willRetry());
        expectQuiet(*server, 1);
    }

    void originAndEventTypes()
    {
        server->setScripts({ ResponseScript::sse(Framing::Chunked)
                                 .send("event: status\ndata: s\n\n")
                                 .send("data: m\n\n")
                                 .hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 2, Timeout);
        const QString origin = QStringLiteral("http://127.0.0.1:%1").arg(server->port());
        QCOMPARE(spies.event(0), Event(QStringLiteral("status"), QStringLiteral("s"), {}, origin));
        QCOMPARE(spies.event(1), Event(QStringLiteral("message"), QStringLiteral("m"), {}, origin));
    }

private:
    std::unique_ptr<ScriptedSseServer> server;
};

QTEST_GUILESS_MAIN(TestEventSource)
#include "tst_eventsource.moc"
