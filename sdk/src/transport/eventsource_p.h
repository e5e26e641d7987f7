// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/EventSource.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>

#include <optional>

QT_BEGIN_NAMESPACE
class QNetworkReply;
class QTimer;
QT_END_NAMESPACE

namespace Sluice {

class EventSourcePrivate
{
    Q_DECLARE_PUBLIC(EventSource)
public:
    explicit EventSourcePrivate(EventSource *q);
    ~EventSourcePrivate();

    EventSource *q_ptr;

    // --- configuration -------------------------------------------------------------------
    QUrl url;
    QByteArray method = QByteArrayLiteral("GET");
    QByteArray body;
    QByteArray bodyContentType;
    QList<QPair<QByteArray, QByteArray>> rawHeaders;
    EventSource::RequestHook hook;
    RetryPolicy retryPolicy;
    std::chrono::milliseconds readTimeout { 0 };
    int maxRedirects = 10;
    QPointer<QNetworkAccessManager> externalManager;
    QPointer<QNetworkAccessManager> ownManager;

    // --- state ---------------------------------------------------------------------------
    SseParser parser;
    QString lastEventId;
    EventSource::ReadyState readyState = EventSource::ReadyState::Closed;
    QPointer<QNetworkReply> reply;
    quint64 replySerial = 0; // identifies `reply` in queued signal handlers
    QTimer *retryTimer = nullptr;
    QTimer *readTimer = nullptr;
    // Bumped whenever the current connection is abandoned (close, reconnect, error, redirect).
    // Code that emitted a signal compares it afterwards to learn whether a slot changed things.
    quint64 generation = 0;
    // Consecutive failed (or too short-lived) attempts since open() or the last stable connection.
    int failures = 0;
    QElapsedTimer failingSince; // start of the current run of failures
    QElapsedTimer openedAt; // when the current connection was accepted
    std::optional<std::chrono::milliseconds> serverRetry; // the stream's `retry:`
    bool closedPending = false; // a fatal error is being reported; closed() follows

    // The attempt being made: its URL and method change when following redirects.
    QUrl requestUrl;
    QByteArray requestMethod;
    bool requestHasBody = false;
    bool crossOriginRedirect = false;
    int redirects = 0;
    bool headHandled = false;
    bool accepted = false;
    QString origin;

    QNetworkAccessManager *manager();
    int attempt() const { return failures + 1; }

    void setReadyState(EventSource::ReadyState state);
    void setLastEventIdInternal(const QString &id);
    void startAttempt();
    void sendRequest();
    void abandonReply();
    void restartReadTimer();

    void onReadyRead();
    void onRepeatedHead();
    void onFinished();
    void onReadTimeout();
    // Decides what the response head means; returns true when the stream was accepted.
    bool handleHead();
    void followRedirect(int status);
    void feed(const QByteArray &bytes);

    void failRetryable(Error error);
    void failFatal(const Error &error);
    void closeForGood(); // 204

    QString describeNetworkError() const;
};

} // namespace Sluice
