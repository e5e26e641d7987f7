// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>
#include <Sluice/Event.h>
#include <Sluice/RetryPolicy.h>
#include <Sluice/SseParser.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <chrono>
#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
class QNetworkRequest;
QT_END_NAMESPACE

namespace Sluice {

class EventSourcePrivate;

// A Server-Sent Events client on QNetworkAccessManager, modelled on the WHATWG EventSource but
// made for real clients: per-attempt request hook (fresh tokens on every connect), backoff with
// jitter, Last-Event-ID resume, read timeout, and an explicit HTTP status policy.
//
//   auto *es = new Sluice::EventSource(QUrl("http://127.0.0.1:8080/stream"), this);
//   connect(es, &Sluice::EventSource::eventReceived, this, [](const Sluice::Event &e) { ... });
//   es->open();
//
// readyState goes Closed -> Connecting -> Open -> (Connecting -> Open)* -> Closed.
// closed() is emitted exactly once each time the source becomes Closed: after close(), after a
// fatal error (errorOccurred with willRetry() == false), or when the server answers 204.
//
// Requests: `Accept: text/event-stream`, `Cache-Control: no-cache`, then the raw headers, then
// `Last-Event-ID` (when lastEventId() is non-empty, also on the very first attempt), then the
// request hook. Method and body are sent again on every attempt. HTTP/2 and the HTTP cache are
// disabled for the stream, and there is no transfer timeout (see readTimeout()).
//
// HTTP policy, per response:
//   - 200 with Content-Type text/event-stream (parameters allowed, case-insensitive): Open.
//     Any other content type: error ContentType, no retry, Closed.
//   - 204: the server asks not to reconnect: Closed and closed(), no error, no retry.
//   - 301, 302, 303, 307, 308: followed by EventSource itself, up to maxRedirects() per attempt
//     (then error TooManyRedirects, no retry). The hook runs again for every hop (the request's
//     url() is the new location) and Last-Event-ID is sent again. 303 switches to GET without
//     body (301/302 switch POST to GET, as browsers do); 307/308 keep method and body. Raw
//     headers named Authorization, Proxy-Authorization or Cookie are not sent after a redirect
//     to another origin (the hook decides for itself). Reconnects start at url() again.
//   - 5xx, 408, 429: error HttpStatus with willRetry() == true and reconnect with backoff; a
//     Retry-After (seconds or HTTP-date) is a lower bound for that delay, capped at
//     max(RetryPolicy::maxDelay(), 10 min), and reported by Error::retryAfterMs().
//   - 401, 403 and every other status: error HttpStatus with that status, no retry, Closed;
//     an auth layer can refresh its credentials and call open() again.
// Network errors and the end of an open stream (error Network), and the read timeout (error
// Timeout) reconnect with backoff; an incomplete event at the end of a connection is discarded.
// A parser limit (error ParseLimit) closes for good: the same stream would exceed it again.
// Retrying stops with error RetriesExhausted (no retry, Closed) when the retry policy's
// maxAttempts or maxElapsed is spent; its httpStatus() is the last attempt's.
//
// Backoff: after n consecutive failed attempts the delay is RetryPolicy::delayFor(n, random,
// retry), where `retry` is the stream's last `retry:` value (kept for the object's lifetime)
// or the policy's initialDelay. A connection that stayed open for resetAfter() resets n.
//
// Thread affinity: a plain QObject, used from the thread it lives in. To destroy it from one of
// its own signals, use deleteLater(). close() from a slot stops at once: events still pending in
// the same network chunk are not delivered. Header values (tokens) are never logged.
class SLUICE_EXPORT EventSource : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QUrl url READ url WRITE setUrl NOTIFY urlChanged)
    Q_PROPERTY(ReadyState readyState READ readyState NOTIFY readyStateChanged)
    Q_PROPERTY(QString lastEventId READ lastEventId WRITE setLastEventId NOTIFY lastEventIdChanged)
public:
    enum class ReadyState { Connecting, Open, Closed };
    Q_ENUM(ReadyState)

    // Called right before every connection attempt (attempt counts from 1, reset after a
    // connection stays up); set headers such as Authorization on `request` here. Also called
    // for every redirect hop of an attempt, with the same attempt number. It may call close().
    // attempt is 1 for the first connection after open(), n + 1 after n consecutive failures.
    using RequestHook = std::function<void(QNetworkRequest &request, int attempt)>;

    explicit EventSource(QObject *parent = nullptr);
    explicit EventSource(const QUrl &url, QObject *parent = nullptr);
    ~EventSource() override;

    QUrl url() const;
    void setUrl(const QUrl &url);

    // HTTP method, default "GET". A body is sent (again) with every attempt.
    QByteArray method() const;
    void setMethod(const QByteArray &method);
    QByteArray body() const;
    void setBody(const QByteArray &body, const QByteArray &contentType = {});

    // Extra headers sent with every attempt (after the defaults, before the hook). Setting a
    // header again replaces its value.
    void setRawHeader(const QByteArray &name, const QByteArray &value);
    QList<QPair<QByteArray, QByteArray>> rawHeaders() const;
    void clearRawHeaders();

    void setRequestHook(RequestHook hook);

    // Sent as Last-Event-ID when non-empty; updated by the stream's `id:` fields. Set it before
    // open() to resume from a known event (it is sent on the first attempt too).
    QString lastEventId() const;
    void setLastEventId(const QString &id);

    RetryPolicy retryPolicy() const;
    void setRetryPolicy(const RetryPolicy &policy);

    // No bytes at all (not even a heartbeat comment) for this long -> reconnect.
    // 0 (the default) disables the read timeout.
    std::chrono::milliseconds readTimeout() const;
    void setReadTimeout(std::chrono::milliseconds timeout);

    // Redirects (301, 302, 303, 307, 308) followed per attempt. Default 10.
    int maxRedirects() const;
    void setMaxRedirects(int redirects);

    SseParser::Limits parserLimits() const;
    void setParserLimits(const SseParser::Limits &limits);

    // Uses its own QNetworkAccessManager unless one is given (not owned). Takes effect at the
    // next connection attempt.
    QNetworkAccessManager *networkAccessManager() const;
    void setNetworkAccessManager(QNetworkAccessManager *manager);

    ReadyState readyState() const;

public Q_SLOTS:
    // Starts connecting. No-op when already Connecting or Open.
    void open();
    // Stops everything at once: aborts the request, cancels timers. No further signals but
    // closed() (and readyStateChanged). No-op when already Closed.
    void close();
    // Drops the current connection (if any) and reconnects immediately, keeping the last
    // event ID. Starts connecting when Closed.
    void reconnect();

Q_SIGNALS:
    void urlChanged(const QUrl &url);
    void readyStateChanged(Sluice::EventSource::ReadyState state);
    void lastEventIdChanged(const QString &id);
    // The response was accepted (200 + text/event-stream); readyState is Open.
    // Event::origin() is the origin of the final URL (after redirects).
    void opened();
    // A dispatched event. (Named eventReceived, not event: a signal called event() would
    // hide QObject::event(QEvent *) and make &EventSource::event ambiguous.)
    void eventReceived(const Sluice::Event &event);
    // A comment line (heartbeat), without the leading ':'.
    void comment(const QString &text);
    void errorOccurred(const Sluice::Error &error);
    // A new attempt is scheduled in delayMs milliseconds; `attempt` is the number the request
    // hook will see (2 for the first reconnect). Emitted after errorOccurred(willRetry == true).
    void reconnecting(int attempt, int delayMs);
    void closed();

private:
    Q_DECLARE_PRIVATE(EventSource)
    std::unique_ptr<EventSourcePrivate> d_ptr;
};

} // namespace Sluice
