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
    // connection stays up); set headers such as Authorization on `request` here.
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

    // Extra headers sent with every attempt (after the defaults, before the hook).
    void setRawHeader(const QByteArray &name, const QByteArray &value);
    QList<QPair<QByteArray, QByteArray>> rawHeaders() const;
    void clearRawHeaders();

    void setRequestHook(RequestHook hook);

    // Sent as Last-Event-ID when non-empty; updated by the stream's `id:` fields.
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

    // Uses its own QNetworkAccessManager unless one is given (not owned).
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
    void opened();
    // A dispatched event. (Named eventReceived, not event: a signal called event() would
    // hide QObject::event(QEvent *) and make &EventSource::event ambiguous.)
    void eventReceived(const Sluice::Event &event);
    // A comment line (heartbeat), without the leading ':'.
    void comment(const QString &text);
    void errorOccurred(const Sluice::Error &error);
    // A new attempt is scheduled in delayMs milliseconds.
    void reconnecting(int attempt, int delayMs);
    void closed();

private:
    Q_DECLARE_PRIVATE(EventSource)
    std::unique_ptr<EventSourcePrivate> d_ptr;
};

} // namespace Sluice
