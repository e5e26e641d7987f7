// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// JSON replies and the error JSON every route answers with:
// {"error": "<human message>", "code": "<CODE>"}.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtHttpServer/QHttpServerResponse>

#include <chrono>
#include <optional>

class QHttpServerRequest;

namespace Sluice::Server {

namespace ErrorCode {
inline constexpr char authentication[] = "AUTHENTICATION_ERROR";
// 401 for a stream token presented a second time: get a new one for every connection.
inline constexpr char streamTokenUsed[] = "STREAM_TOKEN_USED";
inline constexpr char authorization[] = "AUTHORIZATION_ERROR";
inline constexpr char validation[] = "VALIDATION_ERROR";
inline constexpr char notFound[] = "NOT_FOUND";
inline constexpr char rateLimited[] = "RATE_LIMITED";
// 403 for a request that would take its user or prompt over a quota (see ops/quotas.h).
inline constexpr char quotaExceeded[] = "QUOTA_EXCEEDED";
// 400 for a list `cursor` that is not one this server handed out for that list.
inline constexpr char invalidCursor[] = "INVALID_CURSOR";
inline constexpr char methodNotAllowed[] = "METHOD_NOT_ALLOWED";
inline constexpr char payloadTooLarge[] = "PAYLOAD_TOO_LARGE";
inline constexpr char unsupportedMediaType[] = "UNSUPPORTED_MEDIA_TYPE";
inline constexpr char conflict[] = "CONFLICT";
inline constexpr char serviceUnavailable[] = "SERVICE_UNAVAILABLE";
// 503 + Retry-After from login when the password-hash workers are full or over their budget.
inline constexpr char loginBusy[] = "LOGIN_BUSY";
inline constexpr char internal[] = "INTERNAL_ERROR";
} // namespace ErrorCode

QHttpServerResponse jsonReply(const QJsonObject &body,
                              QHttpServerResponse::StatusCode status
                              = QHttpServerResponse::StatusCode::Ok);

// 401 adds `WWW-Authenticate: Bearer error="invalid_token"` (use jsonUnauthorized() to choose).
QHttpServerResponse jsonError(QHttpServerResponse::StatusCode status, const QByteArray &code,
                              const QString &message);
// 429 / 503 with Retry-After (whole seconds, at least 1).
QHttpServerResponse jsonError(QHttpServerResponse::StatusCode status, const QByteArray &code,
                              const QString &message, std::chrono::seconds retryAfter);
// 401 AUTHENTICATION_ERROR. tokenPresented=false → bare `WWW-Authenticate: Bearer` (RFC 6750 §3.1:
// no error attribute when the request carried no credentials).
QHttpServerResponse jsonUnauthorized(const QString &message, bool tokenPresented,
                                     const QByteArray &code = ErrorCode::authentication);

// The request body limit parseJsonBody() enforces; ServerApp sets it from ServerConfig.
void setJsonBodyLimit(qint64 maxBytes);
qint64 jsonBodyLimit();

// The request body as a JSON object. An empty body is an empty object. Otherwise the body must be
// Content-Type application/json (415), at most jsonBodyLimit() bytes (413), and a JSON object
// (400 VALIDATION_ERROR). On failure returns nullopt and sets *errorOut.
std::optional<QJsonObject> parseJsonBody(const QHttpServerRequest &request,
                                         QHttpServerResponse *errorOut);

} // namespace Sluice::Server
