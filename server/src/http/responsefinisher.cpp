// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/responsefinisher.h"

#include "http/requestlog.h"

#include <QtHttpServer/QHttpServerRequest>

namespace Sluice::Server {

namespace {
CorsPolicy::HeaderList securityHeaders()
{
    return { { QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store") },
             { QByteArrayLiteral("X-Content-Type-Options"), QByteArrayLiteral("nosniff") },
             { QByteArrayLiteral("Referrer-Policy"), QByteArrayLiteral("no-referrer") } };
}
} // namespace

ResponseFinisher::ResponseFinisher(const CorsPolicy &cors)
    : m_cors(cors)
{ }

void ResponseFinisher::finish(const QHttpServerRequest &request,
                              QHttpServerResponse &response) const
{
    m_cors.apply(request, response);
    for (const auto &header : securityHeaders()) {
        if (!response.hasHeader(header.first))
            response.setHeader(header.first, header.second);
    }
    RequestLog::logRequest(request, int(response.statusCode()));
    if (m_observer)
        m_observer(request, int(response.statusCode()));
}

CorsPolicy::HeaderList ResponseFinisher::responderHeaders(const QHttpServerRequest &request) const
{
    return m_cors.responseHeaders(request) + securityHeaders();
}

void ResponseFinisher::logResponderReply(const QHttpServerRequest &request, int status) const
{
    RequestLog::logRequest(request, status);
    if (m_observer)
        m_observer(request, status);
}

} // namespace Sluice::Server
