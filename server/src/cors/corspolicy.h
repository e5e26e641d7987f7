// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// CorsPolicy: the ONLY place CORS headers are produced. Applied to every response by the HTTP layer
// (route replies, the missing handler, preflights, responder-written replies such as SSE streams).
//
// - allowed origin (exact match of the configured list) → echo it + Allow-Credentials: true
// - any other origin, "null", or no Origin → no Access-Control-Allow-* headers at all
// - Vary: Origin on every response
// - preflight (OPTIONS + Origin + Access-Control-Request-Method) → 204; allowed origins get
//   methods, headers and Max-Age; disallowed origins get a bare 204 (the browser then blocks the
//   request because Allow-Origin is missing; a 204 reveals nothing either way).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QStringList>
#include <QtHttpServer/QHttpServerResponse>

class QHttpServerRequest;

namespace Sluice::Server {

class CorsPolicy
{
public:
    using HeaderList = QList<QPair<QByteArray, QByteArray>>;

    static inline const QByteArray allowedMethods = QByteArrayLiteral("GET, POST, OPTIONS");
    static inline const QByteArray allowedHeaders
        = QByteArrayLiteral("Authorization, Content-Type, Last-Event-ID, Cache-Control");
    static inline const QByteArray exposedHeaders
        = QByteArrayLiteral("Retry-After, WWW-Authenticate");
    static constexpr int maxAgeSeconds = 600;

    explicit CorsPolicy(QStringList allowedOrigins);

    const QStringList &allowedOrigins() const { return m_origins; }
    bool isAllowedOrigin(const QByteArray &origin) const;
    static bool isPreflight(const QHttpServerRequest &request);

    // Headers for an ordinary (non-preflight) response to `request`.
    HeaderList responseHeaders(const QHttpServerRequest &request) const;
    // Sets responseHeaders() on `response`, replacing any earlier values.
    void apply(const QHttpServerRequest &request, QHttpServerResponse &response) const;
    // The complete 204 answer to a preflight.
    QHttpServerResponse preflightResponse(const QHttpServerRequest &request) const;

private:
    QStringList m_origins;
};

} // namespace Sluice::Server
