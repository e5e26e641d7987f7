// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/responsefinisher.h"

#include "http/httpcompat.h"

#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponder>

namespace Sluice::Server {

namespace {
CorsPolicy::HeaderList securityHeaders()
{
    return { { QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store") },
             { QByteArrayLiteral("X-Content-Type-Options"), QByteArrayLiteral("nosniff") },
             { QByteArrayLiteral("Referrer-Policy"), QByteArrayLiteral("no-referrer") } };
}

void addSecurityHeaders(QHttpServerResponse &response)
{
    for (const auto &header : securityHeaders()) {
        if (!response.hasHeader(header.first))
            response.setHeader(header.first, header.second);
    }
}
} // namespace

ResponseFinisher::ResponseFinisher(const CorsPolicy &cors)
    : m_cors(cors)
{ }

void ResponseFinisher::log(const RequestLog::Entry &entry, int status) const
{
    RequestLog::log(entry, status);
    if (m_observer)
        m_observer(entry, status);
}

void ResponseFinisher::finish(const QHttpServerRequest &request,
                              QHttpServerResponse &response) const
{
    m_cors.apply(request, response);
    addSecurityHeaders(response);
    log(RequestLog::entryOf(request), int(response.statusCode()));
}

void ResponseFinisher::send(const QHttpServerRequest &request, QHttpServerResponder &responder,
                            QHttpServerResponse &&response) const
{
    finish(request, response);
    HttpCompat::write(responder, std::move(response));
}

CorsPolicy::HeaderList ResponseFinisher::responderHeaders(const QHttpServerRequest &request) const
{
    return m_cors.responseHeaders(request) + securityHeaders();
}

void ResponseFinisher::logResponderReply(const QHttpServerRequest &request, int status) const
{
    log(RequestLog::entryOf(request), status);
}

ResponseFinisher::DeferredRequest ResponseFinisher::defer(const QHttpServerRequest &request) const
{
    DeferredRequest deferred { m_cors.responseHeaders(request), RequestLog::entryOf(request), {} };
    deferred.sinceDeferred.start();
    return deferred;
}

void ResponseFinisher::finish(const DeferredRequest &request, QHttpServerResponse &response) const
{
    for (const auto &header : request.corsHeaders)
        response.setHeader(header.first, header.second);
    addSecurityHeaders(response);
    logDeferred(request, int(response.statusCode()));
}

void ResponseFinisher::logDeferred(const DeferredRequest &request, int status) const
{
    RequestLog::Entry entry = request.log;
    entry.durationMs += request.sinceDeferred.elapsed();
    log(entry, status);
}

} // namespace Sluice::Server
