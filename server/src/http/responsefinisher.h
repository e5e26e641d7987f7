// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// ResponseFinisher: the last step of every reply. Adds the CORS policy's headers and the default
// security headers, then writes the one request-log line. Used by the after-request hook (route
// replies), the missing handler (404/405/preflight) and, through responderHeaders() +
// logResponderReply(), by handlers that write through a QHttpServerResponder (streams).
#pragma once

#include "cors/corspolicy.h"

#include <QtHttpServer/QHttpServerResponse>

#include <functional>

class QHttpServerRequest;

namespace Sluice::Server {

class ResponseFinisher
{
public:
    explicit ResponseFinisher(const CorsPolicy &cors);

    void finish(const QHttpServerRequest &request, QHttpServerResponse &response) const;

    // For responder-written replies: CORS + security headers to write with the status line.
    CorsPolicy::HeaderList responderHeaders(const QHttpServerRequest &request) const;
    void logResponderReply(const QHttpServerRequest &request, int status) const;

    const CorsPolicy &cors() const { return m_cors; }

    // Called once per answered request, after the log line (metrics: requests by route/status).
    using Observer = std::function<void(const QHttpServerRequest &, int status)>;
    void setObserver(Observer observer) { m_observer = std::move(observer); }

private:
    const CorsPolicy &m_cors;
    Observer m_observer;
};

} // namespace Sluice::Server
