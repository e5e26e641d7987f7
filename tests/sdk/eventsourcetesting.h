// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// Shared by the EventSource tests that run against ScriptedSseServer: a source with fast,
// un-jittered backoff, a request hook that gives every request a unique serial, and spies on
// every signal.

#include "scriptedsseserver.h"

#include <Sluice/EventSource.h>

#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

namespace Sluice::Testing {

using namespace std::chrono_literals;

constexpr int Timeout = 20000; // generous: ASan on a loaded 2-core machine

// Waiting is done with QTRY_* (polling) rather than QSignalSpy::wait() on stream signals:
// an in-process server that sits idle in a nested event loop answers within microseconds, which
// is what used to make Qt 6.4's HTTP/1 stack re-send finished requests. EventSource no longer
// lets it (its upload body cannot be rewound; tst_eventsource_peer counts requests in a separate
// process to prove it), so this is about keeping the tests' timing realistic.

// Header giving every request the source makes a unique serial; the server records it and
// answers a repeated value with 204 (ScriptedSseServer::setDeduplicationHeader()), so that a
// copy could never take another request's script.
const QByteArray SerialHeader = "X-Test-Request";

// Installs a request hook that adds the serial header, then runs `extra` with the attempt number.
inline void setHook(EventSource *source, std::function<void(QNetworkRequest &, int)> extra = {})
{
    auto serial = std::make_shared<int>(0);
    source->setRequestHook(
        [serial, extra](QNetworkRequest &request, const Sluice::AttemptContext &context) {
            request.setRawHeader(SerialHeader, QByteArray::number(++*serial));
            if (extra)
                extra(request, context.attempt());
        });
}

// A source with fast, un-jittered backoff so reconnect delays are exact and tests are quick.
inline std::unique_ptr<EventSource> makeSource(const QUrl &url)
{
    auto source = std::make_unique<EventSource>(url);
    setHook(source.get());
    RetryPolicy policy;
    policy.setInitialDelay(20ms);
    policy.setMaxDelay(2000ms);
    policy.setJitterRatio(0.0);
    source->setRetryPolicy(policy);
    return source;
}

// Every signal of one EventSource, recorded.
struct Spies
{
    explicit Spies(EventSource *source)
        : events(source, &EventSource::eventReceived)
        , errors(source, &EventSource::errorOccurred)
        , reconnecting(source, &EventSource::reconnecting)
        , opened(source, &EventSource::opened)
        , closed(source, &EventSource::closed)
        , comments(source, &EventSource::comment)
        , states(source, &EventSource::readyStateChanged)
    { }

    Event event(int i) const { return events.at(i).at(0).value<Event>(); }
    Error error(int i) const { return errors.at(i).at(0).value<Error>(); }
    int reconnectAttempt(int i) const { return reconnecting.at(i).at(0).toInt(); }
    int reconnectDelay(int i) const
    {
        return int(reconnecting.at(i).at(1).value<std::chrono::milliseconds>().count());
    }
    QStringList eventData() const
    {
        QStringList data;
        for (const auto &args : events)
            data.append(args.at(0).value<Event>().data());
        return data;
    }

    QSignalSpy events;
    QSignalSpy errors;
    QSignalSpy reconnecting;
    QSignalSpy opened;
    QSignalSpy closed;
    QSignalSpy comments;
    QSignalSpy states;
};

// Nothing may happen for a short while after a terminal state: used only to check the
// *absence* of reconnects, never to wait for something.
inline void expectQuiet(const ScriptedSseServer &server, int requests)
{
    QTest::qWait(150);
    QCOMPARE(server.requestCount(), requests);
}

} // namespace Sluice::Testing
