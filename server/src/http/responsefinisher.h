// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// ResponseFinisher: the last step of every reply. Adds the CORS policy's headers and the default
// security headers, then writes the one request-log line. Used by the after-request hook (route
// replies), the missing handler (404/405/preflight), by handlers that answer through a
// QHttpServerResponder (send(), or responderHeaders() + logResponderReply() for streams) and, via
// defer(), by replies written after their handler returned (login, after the password hash).
#pragma once

#include "cors/corspolicy.h"
#include "http/requestlog.h"

#include <QtCore/QElapsedTimer>
#include <QtHttpServer/QHttpServerResponse>

#include <functional>

class QHttpServerRequest;
class QHttpServerResponder;

namespace Sluice::Server {

class ResponseFinisher
{
public:
    explicit ResponseFinisher(const CorsPolicy &cors);

    void finish(const QHttpServerRequest &request, QHttpServerResponse &response) const;
    // finish() and write the response through the responder.
    void send(const QHttpServerRequest &request, QHttpServerResponder &responder,
              QHttpServerResponse &&response) const;

    // For responder-written replies: CORS + security headers to write with the status line.
    CorsPolicy::HeaderList responderHeaders(const QHttpServerRequest &request) const;
    void logResponderReply(const QHttpServerRequest &request, int status) const;

    // What finish() needs from a request that is answered after its handler returned: Qt 6.4's
    // QHttpServerRequest cannot be copied, and QHttpServer reuses it for the connection's next
    // request.
    struct DeferredRequest
    {
        CorsPolicy::HeaderList corsHeaders;
        RequestLog::Entry log;
        QElapsedTimer sinceDeferred;
    };
    DeferredRequest defer(const QHttpServerRequest &request) const;
    void finish(const DeferredRequest &request, QHttpServerResponse &response) const;
    // Only the log line (and observer), for a deferred request whose client left unanswered.
    void logDeferred(const DeferredRequest &request, int status) const;

    const CorsPolicy &cors() const { return m_cors; }

    // Called once per answered request, after the log line (metrics: requests by route/status).
    using Observer = std::function<void(const RequestLog::Entry &, int status)>;
    void setObserver(Observer observer) { m_observer = std::move(observer); }

private:
    void log(const RequestLog::Entry &entry, int status) const;

    const CorsPolicy &m_cors;
    Observer m_observer;
};

} // namespace Sluice::Server
