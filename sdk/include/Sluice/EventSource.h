// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/AttemptContext.h>
#include <Sluice/Error.h>
#include <Sluice/Event.h>
#include <Sluice/Response.h>
#include <Sluice/RetryPolicy.h>
#include <Sluice/SseParser.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkRequest>

#include <chrono>
#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
QT_END_NAMESPACE

namespace Sluice {

class EventSourcePrivate;

/// A Server-Sent Events client on QNetworkAccessManager, modelled on the WHATWG EventSource but
/// made for real clients: per-attempt request hook that can wait for fresh credentials, backoff
/// with jitter, Last-Event-ID resume, read timeout, bounded memory, and an explicit HTTP policy.
///
///   auto *es = new Sluice::EventSource(QUrl("http://127.0.0.1:8080/stream"), this);
///   connect(es, &Sluice::EventSource::eventReceived, this, [](const Sluice::Event &e) { ... });
///   es->open();
///
/// readyState goes Closed -> Connecting -> Open -> (Connecting -> Open)* -> Closed, with
/// Suspended (suspend() .. resume()) possible anywhere before Closed.
/// closed() is emitted exactly once each time the source becomes Closed: after close(), after a
/// fatal error (errorOccurred with willRetry() == false), or when the server answers 204.
///
/// Requests: `Accept: text/event-stream`, `Cache-Control: no-cache`, then the raw headers, then
/// `Last-Event-ID` (when lastEventId() is non-empty, also on the very first attempt), then the
/// request hook. Method and body are sent again on every attempt. HTTP/2 and the HTTP cache are
/// disabled for the stream, and there is no transfer timeout (see readTimeout()). Every attempt
/// goes out exactly once: a request Qt's HTTP stack would re-send by itself on a new connection
/// is abandoned and retried as a new attempt instead (see docs/ARCHITECTURE.md).
///
/// Request hook: runs before every request (every attempt and every redirect hop) with the
/// request about to be sent and its AttemptContext. It may set headers, rewrite the URL (e.g. a
/// fresh stream token in the query of a new attempt), call close(), or put the attempt on hold
/// with deferAttempt() and resume it later from the event loop (the hook then runs again).
///
/// HTTP policy, per response (responseReceived() sees every one of them first):
///   - 200 with Content-Type text/event-stream (parameters allowed, case-insensitive): Open.
///     Any other content type: error ContentType, no retry, Closed.
///   - 204: the server asks not to reconnect: Closed and closed(), no error, no retry.
///   - 301, 302, 303, 307, 308: followed by EventSource itself, up to maxRedirects() per attempt
///     (then error TooManyRedirects, no retry). The hook runs again for every hop and
///     Last-Event-ID is sent again. 303 switches to GET without body (301/302 switch POST to GET,
///     as browsers do); 307/308 keep method and body. Authorization, Proxy-Authorization and
///     Cookie headers never go to another origin, whoever set them. Reconnects start at url().
///   - 5xx, 408, 429: error HttpStatus with willRetry() == true and reconnect with backoff; a
///     Retry-After (seconds or HTTP-date) is a lower bound for that delay, capped at
///     max(RetryPolicy::maxDelay(), 10 min), and reported by Error::retryAfter().
///   - 401, 403: with AuthFailurePolicy::Close (the default), error HttpStatus, no retry, Closed.
///     With AuthFailurePolicy::Retry, error HttpStatus with willRetry() == true (the owner
///     refreshes its credentials, typically by deferring the next attempt in its hook) and a new
///     attempt within the RetryPolicy budget, at most RetryPolicy::maxAuthFailures() times in a
///     row. readyState stays Connecting throughout.
///   - every other status: error HttpStatus, no retry, Closed.
/// A rejected response's error carries its Response with up to Response::MaxBodyBytes of body,
/// so the server's JSON error code and WWW-Authenticate can be read.
/// The end of an open stream after a complete event is error EndOfStream; a connection lost in
/// the middle of an event (which is discarded) is error Network; the read timeout is error
/// Timeout: all three reconnect with backoff. A parser limit (error ParseLimit) closes for good:
/// the same stream would exceed it again. Retrying stops with error RetriesExhausted (no retry,
/// Closed) when the retry policy's maxAttempts or maxElapsed is spent; its httpStatus() is the
/// last attempt's.
///
/// Backoff: after n consecutive failed attempts the delay is RetryPolicy::delayFor(n, random,
/// retry), where `retry` is the stream's last `retry:` value (kept for the object's lifetime)
/// or the policy's initialDelay. A connection that stayed open for resetAfter() resets n, and so
/// does a clean end of a chunked (or sized) stream (EndOfStream): a server that ends streams on
/// purpose (at a token's expiry, say) is reconnected to after the plain reconnection time; a
/// stream that keeps breaking, or ends by closing the connection, backs off.
///
/// Memory: at most readBufferSize() bytes of the stream are read ahead of the event handlers;
/// a consumer slower than the server slows the TCP connection down instead of growing memory.
///
/// Thread affinity: a plain QObject, used from the thread it lives in. To destroy it from one of
/// its own signals, use deleteLater(). close() from a slot stops at once: events still pending in
/// the same network chunk are not delivered. Header values (tokens) are never logged.
class SLUICE_EXPORT EventSource : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QUrl url READ url WRITE setUrl NOTIFY urlChanged)
    Q_PROPERTY(ReadyState readyState READ readyState NOTIFY readyStateChanged)
    Q_PROPERTY(QString lastEventId READ lastEventId WRITE setLastEventId NOTIFY lastEventIdChanged)
    Q_PROPERTY(
        AuthFailurePolicy authFailurePolicy READ authFailurePolicy WRITE setAuthFailurePolicy)
public:
    /// The WHATWG readyState plus Suspended (see suspend()).
    enum class ReadyState { Connecting, Open, Closed, Suspended };
    Q_ENUM(ReadyState)
    /// What a 401 or 403 answer does.
    enum class AuthFailurePolicy {
        Close, ///< report it and close (the WHATWG behaviour)
        Retry, ///< report it (willRetry) and try again after fresh credentials, within budget
    };
    Q_ENUM(AuthFailurePolicy)

    /// See "Request hook" above. `request` is the request about to be sent (its url() is the
    /// hop's URL); `context` says which attempt and hop it is and why it is made.
    using RequestHook
        = std::function<void(QNetworkRequest &request, const AttemptContext &context)>;

    /// The default readBufferSize(): 256 KiB.
    static constexpr qint64 DefaultReadBufferSize = 256 * 1024;

    /// A closed source without a URL: call setUrl() before open().
    explicit EventSource(QObject *parent = nullptr);
    /// A closed source for `url`; nothing happens before open().
    explicit EventSource(const QUrl &url, QObject *parent = nullptr);
    ~EventSource() override;

    /// The stream's URL; every attempt starts there (redirects are per attempt).
    QUrl url() const;
    /// Sets url().
    void setUrl(const QUrl &url);

    /// HTTP method, default "GET". A body is sent (again) with every attempt.
    QByteArray method() const;
    /// Sets method().
    void setMethod(const QByteArray &method);
    /// The request body sent with every attempt (empty: none).
    QByteArray body() const;
    /// Sets body(), with `contentType` (default `text/plain; charset=utf-8`) unless a raw
    /// Content-Type header is set.
    void setBody(const QByteArray &body, const QByteArray &contentType = {});

    /// Extra headers sent with every attempt (after the defaults, before the hook). Setting a
    /// header again replaces its value.
    void setRawHeader(const QByteArray &name, const QByteArray &value);
    /// The headers set with setRawHeader(), in order.
    QList<QPair<QByteArray, QByteArray>> rawHeaders() const;
    /// Removes every header set with setRawHeader().
    void clearRawHeaders();

    /// Installs the request hook (see the class description); an empty function removes it.
    void setRequestHook(RequestHook hook);
    /// Only from inside the request hook: the request is not sent when the hook returns; the
    /// attempt waits (readyState Connecting, no timers running) until the returned handle's
    /// resume() or fail(). close(), reconnect(), suspend() and destruction cancel it.
    AttemptDeferral deferAttempt();
    /// True while an attempt waits for a deferral.
    bool isAttemptDeferred() const;

    /// Sent as Last-Event-ID when non-empty; updated by the stream's `id:` fields. Set it before
    /// open() to resume from a known event (it is sent on the first attempt too).
    QString lastEventId() const;
    /// Sets lastEventId().
    void setLastEventId(const QString &id);

    /// Backoff, jitter and the retry budget of reconnections.
    RetryPolicy retryPolicy() const;
    /// Sets retryPolicy().
    void setRetryPolicy(const RetryPolicy &policy);

    /// What a 401 or 403 answer does (default Close).
    AuthFailurePolicy authFailurePolicy() const;
    /// Sets authFailurePolicy().
    void setAuthFailurePolicy(AuthFailurePolicy policy);

    /// No bytes at all (not even a heartbeat comment) for this long -> reconnect.
    /// 0 (the default) disables the read timeout.
    std::chrono::milliseconds readTimeout() const;
    /// Sets readTimeout().
    void setReadTimeout(std::chrono::milliseconds timeout);

    /// Redirects (301, 302, 303, 307, 308) followed per attempt. Default 10.
    int maxRedirects() const;
    /// Sets maxRedirects().
    void setMaxRedirects(int redirects);

    /// How many bytes of the stream may be read ahead of the event handlers (at least 4096).
    /// Takes effect at the next connection attempt.
    qint64 readBufferSize() const;
    /// Sets readBufferSize().
    void setReadBufferSize(qint64 bytes);

    /// The largest line and event the stream may carry (16 MiB each by default); more is error
    /// ParseLimit.
    SseParser::Limits parserLimits() const;
    /// Sets parserLimits().
    void setParserLimits(const SseParser::Limits &limits);

    /// Uses its own QNetworkAccessManager unless one is given (not owned), e.g. an AuthSession's,
    /// to share its cookie jar. Takes effect at the next connection attempt.
    QNetworkAccessManager *networkAccessManager() const;
    /// Sets networkAccessManager().
    void setNetworkAccessManager(QNetworkAccessManager *manager);

    /// The current state; readyStateChanged() reports every change.
    ReadyState readyState() const;

public Q_SLOTS:
    /// Starts connecting. No-op when already Connecting or Open; resumes when Suspended.
    void open();
    /// Stops everything at once: aborts the request, cancels timers. No further signals but
    /// closed() (and readyStateChanged). No-op when already Closed.
    void close();
    /// Drops the current connection (if any) and reconnects immediately, keeping the last
    /// event ID. Starts connecting when Closed.
    void reconnect();
    /// Drops the current connection and waits (readyState Suspended) without reconnecting, e.g.
    /// while the application is hidden or offline. Keeps the last event ID and the retry budget.
    /// No-op when Closed or already Suspended.
    void suspend();
    /// Connects again after suspend(), as the next attempt of the same budget. No-op unless
    /// Suspended.
    void resume();

Q_SIGNALS:
    /// Emitted when url() changes.
    void urlChanged(const QUrl &url);
    /// Emitted when readyState() changes.
    void readyStateChanged(Sluice::EventSource::ReadyState state);
    /// Emitted when lastEventId() changes.
    void lastEventIdChanged(const QString &id);
    /// A request is about to go out (every attempt and redirect hop), as the hook left it: for
    /// logs and diagnostics. Its headers may hold credentials: never log their values. A slot
    /// may call close() (the request is then not sent).
    void requestSent(const QByteArray &method, const QNetworkRequest &request,
                     const Sluice::AttemptContext &context);
    /// Every response head (redirects and rejected responses included, the latter with their
    /// size-capped body), before the policy acts on it.
    void responseReceived(const Sluice::Response &response);
    /// The response was accepted (200 + text/event-stream); readyState is Open.
    /// Event::origin() is the origin of the final URL (after redirects).
    void opened(const Sluice::Response &response);
    /// A dispatched event. (Named eventReceived, not event: a signal called event() would
    /// hide QObject::event(QEvent *) and make &EventSource::event ambiguous.)
    void eventReceived(const Sluice::Event &event);
    /// A comment line (heartbeat), without the leading ':'.
    void comment(const QString &text);
    /// Something failed; Error::willRetry() says whether a reconnection follows (reconnecting()) or
    /// the source closes.
    void errorOccurred(const Sluice::Error &error);
    /// A new attempt is scheduled after `delay`; `attempt` is the number the request hook will
    /// see (2 for the first reconnect). Emitted after errorOccurred(willRetry == true).
    void reconnecting(int attempt, std::chrono::milliseconds delay);
    /// The source became Closed (see the class description): exactly once per close.
    void closed();

private:
    friend class AttemptDeferral;
    Q_DECLARE_PRIVATE(EventSource)
    std::unique_ptr<EventSourcePrivate> d_ptr;
};

} // namespace Sluice
