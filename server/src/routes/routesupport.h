// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Helpers shared by the API routes: authentication, ownership lookups, JSON shapes of records,
// field validation with VALIDATION_ERROR messages that name the field.
#pragma once

#include "auth/authenticator.h"
#include "store/store.h"

#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtHttpServer/QHttpServerResponse>

#include <optional>
#include <variant>

class QHttpServerRequest;

namespace Sluice::Server {

class ServerContext;
struct AuthResult;

namespace Routes {

// The Bearer-authenticated caller (who, from which sign-in, until when), or the complete 401
// reply.
std::variant<AuthResult, QHttpServerResponse> requireAuth(const ServerContext &ctx,
                                                          const QHttpServerRequest &request);
// The authenticated user id, or the complete 401 reply.
std::variant<QString, QHttpServerResponse> requireUser(const ServerContext &ctx,
                                                       const QHttpServerRequest &request);
QHttpServerResponse authFailure(const AuthResult &result);

// The session when it exists AND belongs to userId; another user's session is "not found".
std::optional<SessionRecord> ownedSession(const ServerContext &ctx, const QString &userId,
                                          const QString &sessionId);
// requireUser + ownedSession: the caller's session, or the complete 401 / 404 reply.
std::variant<SessionRecord, QHttpServerResponse>
requireOwnedSession(const ServerContext &ctx, const QHttpServerRequest &request,
                    const QString &sessionId);

QString isoTime(const QDateTime &time); // UTC, ISO 8601 with milliseconds
QJsonObject sessionJson(const SessionRecord &session);
QJsonObject promptJson(const PromptRecord &prompt);

QHttpServerResponse notFound(const QString &what);
QHttpServerResponse validationError(const QString &message);
QHttpServerResponse storageError();

// Optional string field: absent or null → `fallback`; otherwise must be a string of at most
// maxChars characters. nullopt with *error set when invalid.
std::optional<QString> optionalString(const QJsonObject &body, const QString &field,
                                      qsizetype maxChars, const QString &fallback,
                                      QHttpServerResponse *error);
// Required non-blank string of at most maxChars characters.
std::optional<QString> requiredString(const QJsonObject &body, const QString &field,
                                      qsizetype maxChars, QHttpServerResponse *error);

} // namespace Routes
} // namespace Sluice::Server
