// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/EventSource.h>

#include "transport/httppolicy_p.h"

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
    EventSource::AuthFailurePolicy authFailurePolicy = EventSource::AuthFailurePolicy::Close;
    std::chrono::milliseconds readTimeout { 0 };
    int maxRedirects = 10;
    qint64 readBufferSize = EventSource::DefaultReadBufferSize;
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
    QTimer *bodyTimer = nullptr; // bounds the wait for a rejected response's body
    // Bumped whenever the current connection is abandoned (close, reconnect, error, redirect).
    // Code that emitted a signal compares it afterwards to learn whether a slot changed things.
    quint64 generation = 0;
    // Consecutive failed (or too short-lived) attempts since open() or the last stable connection.
    int failures = 0;
    // Consecutive 401/403 answers (AuthFailurePolicy::Retry); reset when a stream opens.
    int authFailures = 0;
    QElapsedTimer failingSince; // start of the current run of failures
    QElapsedTimer openedAt; // when the current connection was accepted
    std::optional<std::chrono::milliseconds> serverRetry; // the stream's `retry:`
    bool closedPending = false; // a fatal error is being reported; closed() follows
    Error attemptCause; // why the current attempt is made (AttemptContext::cause)

    // Deferral of the current request by the hook.
    bool inHook = false;
    bool deferRequested = false; // deferAttempt() was called by the running hook
    std::optional<Error> failRequested; // AttemptDeferral::fail() from inside the hook
    quint64 deferralSerial = 0; // the pending deferral's serial, 0 when none is pending
    quint64 nextDeferralSerial = 0;

    // The attempt being made: its URL and method change when following redirects.
    QUrl requestUrl;
    QByteArray requestMethod;
    bool requestHasBody = false;
    bool crossOriginRedirect = false;
    int redirects = 0;
    bool headHandled = false;
    bool accepted = false;
    bool encrypted = false; // the TLS handshake of this request's connection completed
    bool framedEnd = false; // the stream's end is marked (chunked or Content-Length), not a close
    QString origin;

    // A rejected response whose body is being read before the policy acts on it.
    struct Rejection
    {
        HttpPolicy::StatusAction action;
        Response response;
        QByteArray body;
        bool truncated = false;
    };
    std::optional<Rejection> rejection;

    QNetworkAccessManager *manager();
    int attempt() const { return failures + 1; }

    void setReadyState(EventSource::ReadyState state);
    void setLastEventIdInternal(const QString &id);
    void startAttempt();
    void sendRequest();
    void abandonReply();
    void cancelDeferral();
    void restartReadTimer();
    void resumeDeferred(quint64 serial);
    void failDeferred(quint64 serial, const Error &error);
    void failAttempt(const Error &error);

    void onReadyRead();
    void onRepeatedHead();
    void onFinished();
    void onReadTimeout();
    // Decides what the response head means; returns true when the stream was accepted.
    bool handleHead();
    void readRejectedBody(bool finished);
    void completeRejection();
    void followRedirect(int status, const Response &response);
    // Feeds what the reply holds, at most readBufferSize bytes per call so that a slot can stop
    // the stream between chunks; returns false when the stream was abandoned meanwhile.
    bool drainReply();
    bool feed(QByteArrayView bytes);

    void failRetryable(Error error);
    void failAuth(const Error &error);
    void failFatal(const Error &error);
    void closeForGood(); // 204

    QString describeNetworkError() const;
    Error::Kind networkErrorKind() const;
};

} // namespace Sluice
