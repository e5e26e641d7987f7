// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Sluice::EventSource features an auth layer builds on, against the scripted server:
// deferrable attempts and their context, responses (with the rejected body) for every status,
// 401/403 retried within the budget without a Closed flicker, suspend()/resume(), a normal end
// of stream as its own outcome, and credentials never following a redirect to another origin
// whoever set them.
#include "eventsourcetesting.h"

#include <QtCore/QTimer>
#include <QtCore/QUrlQuery>

using namespace Sluice;
using namespace Sluice::Testing;
using namespace std::chrono_literals;

class TestEventSourceAttempts : public QObject
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

    void deferredAttemptWaitsThenResumes()
    {
        server->setScripts({ ResponseScript::sse().send("data: one\n\n").hold() });
        auto source = makeSource(server->url());
        AttemptDeferral deferral;
        int hookCalls = 0;
        QByteArray token; // "fetched" asynchronously
        source->setRequestHook([&](QNetworkRequest &request, const AttemptContext &context) {
            ++hookCalls;
            QCOMPARE(context.attempt(), 1);
            if (token.isEmpty()) {
                deferral = source->deferAttempt();
                return;
            }
            request.setRawHeader("Authorization", "Bearer " + token);
        });
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(hookCalls, 1, Timeout);
        QVERIFY(deferral.isPending());
        QVERIFY(source->isAttemptDeferred());
        QCOMPARE(source->readyState(), EventSource::ReadyState::Connecting);
        QTest::qWait(100);
        QCOMPARE(server->requestCount(), 0); // nothing sent while deferred

        token = "fresh";
        deferral.resume();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 1, Timeout);
        QCOMPARE(hookCalls, 2); // the hook ran again, with the token ready
        QVERIFY(!deferral.isPending());
        QVERIFY(!source->isAttemptDeferred());
        QCOMPARE(server->requests().at(0).header("Authorization"), QByteArray("Bearer fresh"));
        QCOMPARE(spies.errors.size(), 0);
        deferral.resume(); // a stale handle does nothing
        QCOMPARE(server->requestCount(), 1);
    }

    void deferredAttemptFails_data()
    {
        QTest::addColumn<bool>("retryable");
        QTest::newRow("retryable") << true;
        QTest::newRow("fatal") << false;
    }
    void deferredAttemptFails()
    {
        QFETCH(bool, retryable);
        server->setScripts({ ResponseScript::sse().send("data: ok\n\n").hold() });
        auto source = makeSource(server->url());
        int hookCalls = 0;
        source->setRequestHook([&](QNetworkRequest &, const AttemptContext &context) {
            ++hookCalls;
            if (hookCalls == 1) {
                const AttemptDeferral deferral = source->deferAttempt();
                QTimer::singleShot(10, source.get(), [deferral, retryable] {
                    deferral.fail(
                        Error(Error::Kind::Network, QStringLiteral("no token yet"), 0, retryable));
                });
                return;
            }
            // The next attempt knows why it is made.
            QCOMPARE(context.attempt(), 2);
            QCOMPARE(context.cause().message(), QStringLiteral("no token yet"));
        });
        Spies spies(source.get());
        source->open();
        if (retryable) {
            QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 1, Timeout);
            QCOMPARE(spies.errors.size(), 1);
            QVERIFY(spies.error(0).willRetry());
            QCOMPARE(spies.reconnecting.size(), 1);
            QCOMPARE(hookCalls, 2);
            QCOMPARE(server->requestCount(), 1);
        } else {
            QTRY_COMPARE_WITH_TIMEOUT(spies.closed.size(), 1, Timeout);
            QCOMPARE(spies.error(0).message(), QStringLiteral("no token yet"));
            QCOMPARE(source->readyState(), EventSource::ReadyState::Closed);
            QCOMPARE(server->requestCount(), 0);
        }
    }

    void resumeInsideTheHookSendsAtOnce()
    {
        server->setScripts({ ResponseScript::sse().send("data: ok\n\n").hold() });
        auto source = makeSource(server->url());
        source->setRequestHook([&](QNetworkRequest &, const AttemptContext &) {
            source->deferAttempt().resume(); // e.g. a cache answered synchronously after all
        });
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 1, Timeout);
        QVERIFY(!source->isAttemptDeferred());
    }

    void closeCancelsADeferral()
    {
        auto source = makeSource(server->url());
        AttemptDeferral deferral;
        source->setRequestHook(
            [&](QNetworkRequest &, const AttemptContext &) { deferral = source->deferAttempt(); });
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(deferral.isPending(), Timeout);
        source->close();
        QVERIFY(!deferral.isPending());
        deferral.resume(); // too late: nothing happens
        deferral.fail(Error(Error::Kind::Network));
        QTest::qWait(100);
        QCOMPARE(server->requestCount(), 0);
        QCOMPARE(spies.errors.size(), 0);
        QCOMPARE(spies.closed.size(), 1);
        source.reset();
        deferral.resume(); // the source is gone: still harmless
    }

    void deferOutsideTheHookIsIgnored()
    {
        auto source = makeSource(server->url());
        QTest::ignoreMessage(QtWarningMsg,
                             "deferAttempt() called outside the request hook; ignored");
        const AttemptDeferral deferral = source->deferAttempt();
        QVERIFY(!deferral.isPending());
    }

    void hookMayRewriteTheQueryOfEachAttempt()
    {
        server->setScripts({ ResponseScript::sse().send("id: 1\ndata: a\n\n").end(),
                             ResponseScript::sse().send("id: 2\ndata: b\n\n").hold() });
        auto source = makeSource(server->url(QStringLiteral("/stream?keep=yes")));
        int minted = 0;
        source->setRequestHook([&](QNetworkRequest &request, const AttemptContext &) {
            QUrl url = request.url();
            QUrlQuery query(url);
            query.addQueryItem(QStringLiteral("stream_token"), QStringLiteral("t%1").arg(++minted));
            url.setQuery(query);
            request.setUrl(url);
        });
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 2, Timeout);
        const auto requests = server->requests();
        QCOMPARE(requests.at(0).query().queryItemValue(QStringLiteral("stream_token")),
                 QStringLiteral("t1"));
        QCOMPARE(requests.at(1).query().queryItemValue(QStringLiteral("stream_token")),
                 QStringLiteral("t2")); // a fresh one, not both
        QCOMPARE(requests.at(1).query().allQueryItemValues(QStringLiteral("stream_token")).size(),
                 1);
        QCOMPARE(requests.at(1).query().queryItemValue(QStringLiteral("keep")),
                 QStringLiteral("yes"));
        QCOMPARE(requests.at(1).header("Last-Event-ID"), QByteArray("1"));
        QCOMPARE(source->url(), server->url(QStringLiteral("/stream?keep=yes")));
    }

    void contextDescribesRedirectHops()
    {
        ScriptedSseServer other;
        QVERIFY(other.listen());
        other.setScripts({ ResponseScript::sse().send("data: there\n\n").hold() });
        const QByteArray elsewhere = "http://localhost:" + QByteArray::number(other.port()) + "/s";
        server->setScripts(
            { ResponseScript::redirect(307, "/hop"), ResponseScript::redirect(307, elsewhere) });
        auto source = makeSource(server->url());
        QList<AttemptContext> contexts;
        source->setRequestHook([&](QNetworkRequest &request, const AttemptContext &context) {
            contexts.append(context);
            // A careless hook adds its credential everywhere...
            request.setRawHeader("Authorization", "Bearer secret");
            request.setRawHeader("Cookie", "sluice_access=secret");
        });
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 1, Timeout);
        QCOMPARE(contexts.size(), 3);
        QCOMPARE(contexts.at(0).redirectCount(), 0);
        QVERIFY(!contexts.at(0).isRedirect());
        QVERIFY(!contexts.at(0).isCrossOrigin());
        QCOMPARE(contexts.at(1).redirectCount(), 1);
        QVERIFY(!contexts.at(1).isCrossOrigin());
        QCOMPARE(contexts.at(1).url(), server->url(QStringLiteral("/hop")));
        QCOMPARE(contexts.at(2).redirectCount(), 2);
        QVERIFY(contexts.at(2).isCrossOrigin());
        for (const AttemptContext &context : contexts)
            QCOMPARE(context.attempt(), 1);
        // ...and it still never reaches the other origin.
        QCOMPARE(server->requests().at(1).header("Authorization"), QByteArray("Bearer secret"));
        QVERIFY(!other.requests().at(0).hasHeader("Authorization"));
        QVERIFY(!other.requests().at(0).hasHeader("Cookie"));
        QCOMPARE(spies.opened.size(), 1);
    }

    void rejectedResponseCarriesItsBody()
    {
        const QByteArray body = R"({"error":"token expired","code":"AUTHENTICATION_ERROR"})";
        server->setScripts(
            { ResponseScript::status(401, body, "application/json")
                  .setHeader("WWW-Authenticate", R"(Bearer error="invalid_token")") });
        auto source = makeSource(server->url());
        QSignalSpy responses(source.get(), &EventSource::responseReceived);
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.closed.size(), 1, Timeout);
        QCOMPARE(responses.size(), 1);
        const Response response = responses.at(0).at(0).value<Response>();
        QCOMPARE(response.status(), 401);
        QCOMPARE(response.body(), body);
        QVERIFY(!response.isBodyTruncated());
        QCOMPARE(response.header("www-authenticate"),
                 QByteArray(R"(Bearer error="invalid_token")"));
        QCOMPARE(response.serverErrorCode(), QStringLiteral("AUTHENTICATION_ERROR"));
        QCOMPARE(response.serverErrorMessage(), QStringLiteral("token expired"));
        const Error error = spies.error(0);
        QCOMPARE(error.response(), response);
        QCOMPARE(error.serverCode(), QStringLiteral("AUTHENTICATION_ERROR"));
        QCOMPARE(error.httpStatus(), 401);
        // The message carries the server's explanation.
        QCOMPARE(error.message(), QStringLiteral("HTTP 401 Unauthorized: token expired"));
    }

    void rejectedBodyIsCapped()
    {
        const QByteArray big(Response::MaxBodyBytes * 3, 'x');
        server->setScripts({ ResponseScript::status(503, big).setHeader("Retry-After", "0") });
        auto source = makeSource(server->url());
        Sluice::RetryPolicy policy = source->retryPolicy();
        policy.setMaxAttempts(1);
        source->setRetryPolicy(policy);
        QSignalSpy responses(source.get(), &EventSource::responseReceived);
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.closed.size(), 1, Timeout);
        const Response response = responses.at(0).at(0).value<Response>();
        QCOMPARE(response.body().size(), Response::MaxBodyBytes);
        QVERIFY(response.isBodyTruncated());
        QVERIFY(response.serverErrorCode().isEmpty());
    }

    void openedCarriesTheResponse()
    {
        server->setScripts(
            { ResponseScript::sse().setHeader("X-Server", "scripted").send("data: a\n\n").hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.opened.size(), 1, Timeout);
        const Response response = spies.opened.at(0).at(0).value<Response>();
        QCOMPARE(response.status(), 200);
        QCOMPARE(response.header("X-Server"), QByteArray("scripted"));
        QVERIFY(response.body().isEmpty());
    }

    // 401 with AuthFailurePolicy::Retry: the owner gets the error (willRetry), refreshes, and
    // the next attempt follows at once; readyState never leaves Connecting.
    void authFailureRetriedWithinBudget()
    {
        server->setScripts({ ResponseScript::status(401), ResponseScript::status(403),
                             ResponseScript::sse().send("data: ok\n\n").hold() });
        auto source = makeSource(server->url());
        source->setAuthFailurePolicy(EventSource::AuthFailurePolicy::Retry);
        int token = 0;
        source->setRequestHook([&](QNetworkRequest &request, const AttemptContext &context) {
            request.setRawHeader("Authorization", "Bearer t" + QByteArray::number(token));
            if (context.attempt() > 1)
                QVERIFY(context.cause().isAuthError());
        });
        connect(source.get(), &EventSource::errorOccurred, this, [&](const Error &error) {
            if (error.isAuthError())
                ++token; // a refresh
        });
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 1, Timeout);
        QCOMPARE(spies.errors.size(), 2);
        QVERIFY(spies.error(0).willRetry());
        QCOMPARE(spies.error(1).httpStatus(), 403);
        QCOMPARE(spies.reconnectDelay(0), 0); // the first auth failure retries at once
        QCOMPARE(spies.closed.size(), 0);
        for (const auto &args : spies.states)
            QVERIFY(args.at(0).value<EventSource::ReadyState>() != EventSource::ReadyState::Closed);
        QCOMPARE(server->requests().at(2).header("Authorization"), QByteArray("Bearer t2"));
    }

    void authFailureLoopEnds()
    {
        server->setScripts({ ResponseScript::status(401) });
        auto source = makeSource(server->url());
        source->setAuthFailurePolicy(EventSource::AuthFailurePolicy::Retry);
        Sluice::RetryPolicy policy = source->retryPolicy();
        policy.setMaxAuthFailures(3);
        source->setRetryPolicy(policy);
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.closed.size(), 1, Timeout);
        QCOMPARE(server->requestCount(), 3);
        QCOMPARE(spies.errors.size(), 3);
        const Error last = spies.error(2);
        QVERIFY(!last.willRetry());
        QCOMPARE(last.httpStatus(), 401);
        QVERIFY(last.message().startsWith(QStringLiteral("Gave up after 3 authentication")));
        expectQuiet(*server, 3);
    }

    void authFailureSpendsTheRetryBudget()
    {
        server->setScripts({ ResponseScript::status(401) });
        auto source = makeSource(server->url());
        source->setAuthFailurePolicy(EventSource::AuthFailurePolicy::Retry);
        Sluice::RetryPolicy policy = source->retryPolicy();
        policy.setMaxAuthFailures(10);
        policy.setMaxAttempts(2);
        source->setRetryPolicy(policy);
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.closed.size(), 1, Timeout);
        QCOMPARE(spies.errors.last().at(0).value<Error>().kind(), Error::Kind::RetriesExhausted);
        QCOMPARE(server->requestCount(), 2);
    }

    void suspendAndResumeKeepPositionAndBudget()
    {
        server->setScripts({ ResponseScript::sse().send("id: 7\ndata: a\n\n").hold(),
                             ResponseScript::sse().send("id: 8\ndata: b\n\n").hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        QList<int> attempts;
        setHook(source.get(), [&](QNetworkRequest &, int attempt) { attempts.append(attempt); });
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 1, Timeout);
        source->suspend();
        QCOMPARE(source->readyState(), EventSource::ReadyState::Suspended);
        QCOMPARE(source->lastEventId(), QStringLiteral("7"));
        QTRY_COMPARE_WITH_TIMEOUT(server->openConnections(), 0, Timeout);
        expectQuiet(*server, 1); // no reconnect while suspended
        QCOMPARE(spies.closed.size(), 0);
        QCOMPARE(spies.errors.size(), 0);
        source->suspend(); // no-op
        source->resume();
        QCOMPARE(source->readyState(), EventSource::ReadyState::Connecting);
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 2, Timeout);
        QCOMPARE(server->requests().at(1).header("Last-Event-ID"), QByteArray("7"));
        QCOMPARE(attempts, (QList<int> { 1, 1 })); // the budget was not touched
        source->close();
        source->resume(); // not suspended: no-op
        QCOMPARE(source->readyState(), EventSource::ReadyState::Closed);
    }

    void suspendWhileWaitingToReconnect()
    {
        server->setScripts({ ResponseScript::status(503) });
        auto source = makeSource(server->url());
        Sluice::RetryPolicy policy = source->retryPolicy();
        policy.setInitialDelay(300ms);
        source->setRetryPolicy(policy);
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.reconnecting.size(), 1, Timeout);
        source->suspend();
        expectQuiet(*server, 1);
        QTest::qWait(400); // the retry timer would have fired by now
        QCOMPARE(server->requestCount(), 1);
        server->setScripts({ ResponseScript::sse().send("data: back\n\n").hold() });
        source->open(); // open() on a suspended source resumes it
        QTRY_COMPARE_WITH_TIMEOUT(spies.events.size(), 1, Timeout);
    }

    void normalEndIsEndOfStream_data()
    {
        QTest::addColumn<ResponseScript::Framing>("framing");
        QTest::newRow("close-delimited") << ResponseScript::Framing::CloseDelimited;
        QTest::newRow("chunked") << ResponseScript::Framing::Chunked;
    }
    void normalEndIsEndOfStream()
    {
        QFETCH(ResponseScript::Framing, framing);
        server->setScripts({ ResponseScript::sse(framing).send("data: a\n\n").end(),
                             ResponseScript::sse(framing).send("data: b\n\ndata: cut").drop(),
                             ResponseScript::sse().hold() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_COMPARE_WITH_TIMEOUT(spies.errors.size(), 2, Timeout);
        QCOMPARE(spies.error(0).kind(), Error::Kind::EndOfStream);
        QVERIFY(spies.error(0).willRetry());
        QCOMPARE(spies.error(0).message(), QStringLiteral("The server ended the stream"));
        // Cut in the middle of an event: a network error, and the partial event is dropped.
        QCOMPARE(spies.error(1).kind(), Error::Kind::Network);
        QCOMPARE(spies.eventData(), (QStringList { QStringLiteral("a"), QStringLiteral("b") }));
    }

    void cleanEndsDoNotGrowTheBackoff()
    {
        server->setScripts(
            { ResponseScript::sse(ResponseScript::Framing::Chunked).send("data: a\n\n").end() });
        auto source = makeSource(server->url());
        Spies spies(source.get());
        source->open();
        QTRY_VERIFY_WITH_TIMEOUT(spies.reconnecting.size() >= 3, Timeout);
        source->close();
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(spies.error(i).kind(), Error::Kind::EndOfStream);
            QCOMPARE(spies.reconnectDelay(i), 20);
            QCOMPARE(spies.reconnectAttempt(i), 2);
        }
    }

    void readBufferSizeHasAFloor()
    {
        EventSource source;
        QCOMPARE(source.readBufferSize(), EventSource::DefaultReadBufferSize);
        source.setReadBufferSize(10);
        QCOMPARE(source.readBufferSize(), qint64(4096));
    }

private:
    std::unique_ptr<ScriptedSseServer> server;
};

QTEST_GUILESS_MAIN(TestEventSourceAttempts)
#include "tst_eventsource_attempts.moc"
