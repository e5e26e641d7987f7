// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/routesupport.h"

#include "auth/authenticator.h"
#include "http/jsonreply.h"
#include "metrics/metrics.h"
#include "routes/servercontext.h"

#include <QtHttpServer/QHttpServerRequest>

namespace Sluice::Server::Routes {

namespace {
constexpr qsizetype maxIdLength = 128;

qsizetype characterCount(const QString &text)
{
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (!(text.at(i).isLowSurrogate() && i > 0 && text.at(i - 1).isHighSurrogate()))
            ++count;
    }
    return count;
}

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("missing");
}

std::optional<QString> checkedString(const QJsonValue &value, const QString &field,
                                     qsizetype maxChars, QHttpServerResponse *error)
{
    if (!value.isString()) {
        *error = validationError(
            QStringLiteral("field \"%1\" must be a string, got %2").arg(field, typeName(value)));
        return std::nullopt;
    }
    const QString text = value.toString();
    if (characterCount(text) > maxChars) {
        *error = validationError(
            QStringLiteral("field \"%1\" must be at most %2 characters").arg(field).arg(maxChars));
        return std::nullopt;
    }
    return text;
}
} // namespace

std::variant<QString, QHttpServerResponse> requireUser(const ServerContext &ctx,
                                                       const QHttpServerRequest &request)
{
    auto auth = requireAuth(ctx, request);
    if (auto *reply = std::get_if<QHttpServerResponse>(&auth))
        return std::move(*reply);
    return std::get<AuthResult>(auth).userId;
}

std::variant<AuthResult, QHttpServerResponse> requireAuth(const ServerContext &ctx,
                                                          const QHttpServerRequest &request)
{
    const AuthResult result = ctx.authenticator.authenticateAccess(request);
    if (!result.ok) {
        ctx.metrics.increment(
            "sluice_auth_failures_total",
            { { "reason",
                result.tokenPresented ? QByteArrayLiteral("invalid_access_token")
                                      : QByteArrayLiteral("missing_credentials") } });
        return authFailure(result);
    }
    return result;
}

QHttpServerResponse authFailure(const AuthResult &result)
{
    if (result.httpStatus == 401)
        return jsonUnauthorized(result.message, result.tokenPresented,
                                result.code.isEmpty() ? QByteArray(ErrorCode::authentication)
                                                      : result.code);
    const QByteArray code
        = result.code.isEmpty() ? QByteArray(ErrorCode::authorization) : result.code;
    return jsonError(QHttpServerResponse::StatusCode(result.httpStatus), code, result.message);
}

std::optional<SessionRecord> ownedSession(const ServerContext &ctx, const QString &userId,
                                          const QString &sessionId)
{
    if (sessionId.isEmpty() || sessionId.size() > maxIdLength)
        return std::nullopt;
    auto session = ctx.store.session(sessionId);
    if (!session || session->userId != userId)
        return std::nullopt;
    return session;
}

std::variant<SessionRecord, QHttpServerResponse>
requireOwnedSession(const ServerContext &ctx, const QHttpServerRequest &request,
                    const QString &sessionId)
{
    auto user = requireUser(ctx, request);
    if (auto *reply = std::get_if<QHttpServerResponse>(&user))
        return std::move(*reply);
    auto session = ownedSession(ctx, std::get<QString>(user), sessionId);
    if (!session)
        return notFound(QStringLiteral("session"));
    return std::move(*session);
}

QString isoTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QJsonObject sessionJson(const SessionRecord &session)
{
    return { { QStringLiteral("id"), session.id },
             { QStringLiteral("title"), session.title },
             { QStringLiteral("createdAt"), isoTime(session.createdAt) } };
}

QJsonObject promptJson(const PromptRecord &prompt)
{
    return { { QStringLiteral("id"), prompt.id },
             { QStringLiteral("sessionId"), prompt.sessionId },
             { QStringLiteral("text"), prompt.text },
             { QStringLiteral("status"), promptStatusName(prompt.status) },
             { QStringLiteral("createdAt"), isoTime(prompt.createdAt) } };
}

QHttpServerResponse notFound(const QString &what)
{
    return jsonError(QHttpServerResponse::StatusCode::NotFound, ErrorCode::notFound,
                     QStringLiteral("%1 not found").arg(what));
}

QHttpServerResponse validationError(const QString &message)
{
    return jsonError(QHttpServerResponse::StatusCode::BadRequest, ErrorCode::validation, message);
}

QHttpServerResponse storageError()
{
    // Storage failures are transient as far as a client can tell (a full disk, a busy database):
    // 503 + Retry-After says "nothing was saved, try again", which a 500 does not.
    return jsonError(
        QHttpServerResponse::StatusCode::ServiceUnavailable, ErrorCode::serviceUnavailable,
        QStringLiteral("storage error, nothing was saved; retry later"), std::chrono::seconds(1));
}

std::optional<QString> optionalString(const QJsonObject &body, const QString &field,
                                      qsizetype maxChars, const QString &fallback,
                                      QHttpServerResponse *error)
{
    const QJsonValue value = body.value(field);
    if (value.isUndefined() || value.isNull())
        return fallback;
    return checkedString(value, field, maxChars, error);
}

std::optional<QString> requiredString(const QJsonObject &body, const QString &field,
                                      qsizetype maxChars, QHttpServerResponse *error)
{
    const QJsonValue value = body.value(field);
    if (value.isUndefined()) {
        *error = validationError(QStringLiteral("field \"%1\" is required").arg(field));
        return std::nullopt;
    }
    auto text = checkedString(value, field, maxChars, error);
    if (text && text->trimmed().isEmpty()) {
        *error = validationError(QStringLiteral("field \"%1\" must not be empty").arg(field));
        return std::nullopt;
    }
    return text;
}

} // namespace Sluice::Server::Routes
