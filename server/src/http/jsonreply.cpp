// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/jsonreply.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonParseError>
#include <QtHttpServer/QHttpServerRequest>

#include <atomic>

namespace Sluice::Server {

namespace {
std::atomic<qint64> g_jsonBodyLimit { 1 << 20 };

QHttpServerResponse errorResponse(QHttpServerResponse::StatusCode status, const QByteArray &code,
                                  const QString &message)
{
    const QJsonObject body { { QStringLiteral("error"), message },
                             { QStringLiteral("code"), QString::fromLatin1(code) } };
    return QHttpServerResponse(body, status);
}
} // namespace

QHttpServerResponse jsonReply(const QJsonObject &body, QHttpServerResponse::StatusCode status)
{
    return QHttpServerResponse(body, status);
}

QHttpServerResponse jsonError(QHttpServerResponse::StatusCode status, const QByteArray &code,
                              const QString &message)
{
    if (status == QHttpServerResponse::StatusCode::Unauthorized)
        return jsonUnauthorized(message, true);
    return errorResponse(status, code, message);
}

QHttpServerResponse jsonError(QHttpServerResponse::StatusCode status, const QByteArray &code,
                              const QString &message, std::chrono::seconds retryAfter)
{
    QHttpServerResponse response = jsonError(status, code, message);
    response.setHeader(QByteArrayLiteral("Retry-After"),
                       QByteArray::number(qMax<qint64>(1, retryAfter.count())));
    return response;
}

QHttpServerResponse jsonUnauthorized(const QString &message, bool tokenPresented,
                                     const QByteArray &code)
{
    QHttpServerResponse response
        = errorResponse(QHttpServerResponse::StatusCode::Unauthorized, code, message);
    response.setHeader(QByteArrayLiteral("WWW-Authenticate"),
                       tokenPresented ? QByteArrayLiteral("Bearer error=\"invalid_token\"")
                                      : QByteArrayLiteral("Bearer"));
    return response;
}

void setJsonBodyLimit(qint64 maxBytes)
{
    g_jsonBodyLimit = maxBytes;
}

qint64 jsonBodyLimit()
{
    return g_jsonBodyLimit;
}

std::optional<QJsonObject> parseJsonBody(const QHttpServerRequest &request,
                                         QHttpServerResponse *errorOut)
{
    const QByteArray body = request.body();
    if (body.size() > jsonBodyLimit()) {
        *errorOut = jsonError(QHttpServerResponse::StatusCode::PayloadTooLarge,
                              ErrorCode::payloadTooLarge,
                              QStringLiteral("request body exceeds %1 bytes").arg(jsonBodyLimit()));
        return std::nullopt;
    }
    if (body.trimmed().isEmpty())
        return QJsonObject();
    const QByteArray contentType = request.value(QByteArrayLiteral("Content-Type"));
    const QByteArray mediaType = contentType.split(';').constFirst().trimmed().toLower();
    if (mediaType != "application/json") {
        *errorOut = jsonError(QHttpServerResponse::StatusCode::UnsupportedMediaType,
                              ErrorCode::unsupportedMediaType,
                              QStringLiteral("request body must be application/json"));
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *errorOut = jsonError(QHttpServerResponse::StatusCode::BadRequest, ErrorCode::validation,
                              QStringLiteral("malformed JSON at offset %1: %2")
                                  .arg(parseError.offset)
                                  .arg(parseError.errorString()));
        return std::nullopt;
    }
    if (!document.isObject()) {
        *errorOut = jsonError(QHttpServerResponse::StatusCode::BadRequest, ErrorCode::validation,
                              QStringLiteral("request body must be a JSON object"));
        return std::nullopt;
    }
    return document.object();
}

} // namespace Sluice::Server
