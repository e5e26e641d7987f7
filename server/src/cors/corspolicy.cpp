// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "cors/corspolicy.h"

#include <QtHttpServer/QHttpServerRequest>

namespace Sluice::Server {

CorsPolicy::CorsPolicy(QStringList allowedOrigins)
    : m_origins(std::move(allowedOrigins))
{
    m_origins.removeAll(QStringLiteral("*"));
    m_origins.removeAll(QStringLiteral("null"));
}

bool CorsPolicy::isAllowedOrigin(const QByteArray &origin) const
{
    if (origin.isEmpty() || origin == "null")
        return false;
    return m_origins.contains(QString::fromUtf8(origin)); // exact, case-sensitive
}

bool CorsPolicy::isPreflight(const QHttpServerRequest &request)
{
    return request.method() == QHttpServerRequest::Method::Options
        && !request.value(QByteArrayLiteral("Origin")).isEmpty()
        && !request.value(QByteArrayLiteral("Access-Control-Request-Method")).isEmpty();
}

CorsPolicy::HeaderList CorsPolicy::responseHeaders(const QHttpServerRequest &request) const
{
    HeaderList headers { { QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin") } };
    const QByteArray origin = request.value(QByteArrayLiteral("Origin"));
    if (isAllowedOrigin(origin)) {
        headers.append({ QByteArrayLiteral("Access-Control-Allow-Origin"), origin });
        headers.append(
            { QByteArrayLiteral("Access-Control-Allow-Credentials"), QByteArrayLiteral("true") });
        headers.append({ QByteArrayLiteral("Access-Control-Expose-Headers"), exposedHeaders });
    }
    return headers;
}

void CorsPolicy::apply(const QHttpServerRequest &request, QHttpServerResponse &response) const
{
    for (const auto &header : responseHeaders(request))
        response.setHeader(header.first, header.second);
}

QHttpServerResponse CorsPolicy::preflightResponse(const QHttpServerRequest &request) const
{
    QHttpServerResponse response(QHttpServerResponse::StatusCode::NoContent);
    apply(request, response);
    if (isAllowedOrigin(request.value(QByteArrayLiteral("Origin")))) {
        response.setHeader(QByteArrayLiteral("Access-Control-Allow-Methods"), allowedMethods);
        response.setHeader(QByteArrayLiteral("Access-Control-Allow-Headers"), allowedHeaders);
        response.setHeader(QByteArrayLiteral("Access-Control-Max-Age"),
                           QByteArray::number(maxAgeSeconds));
    }
    return response;
}

} // namespace Sluice::Server
