// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/requestlog.h"

#include "common/redaction.h"
#include "logging.h"

#include <QtCore/QElapsedTimer>

namespace Sluice::Server::RequestLog {

namespace {
thread_local QElapsedTimer t_dispatchTimer;
} // namespace

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return QByteArrayLiteral("GET");
    case QHttpServerRequest::Method::Put:
        return QByteArrayLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QByteArrayLiteral("DELETE");
    case QHttpServerRequest::Method::Post:
        return QByteArrayLiteral("POST");
    case QHttpServerRequest::Method::Head:
        return QByteArrayLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QByteArrayLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch:
        return QByteArrayLiteral("PATCH");
    case QHttpServerRequest::Method::Connect:
        return QByteArrayLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace:
        return QByteArrayLiteral("TRACE");
    default:
        return QByteArrayLiteral("UNKNOWN");
    }
}

void markDispatchStart()
{
    t_dispatchTimer.start();
}

qint64 elapsedSinceDispatchMs()
{
    return t_dispatchTimer.isValid() ? t_dispatchTimer.elapsed() : 0;
}

Entry entryOf(const QHttpServerRequest &request)
{
    return Entry { request.method(), request.url(), request.remoteAddress(),
                   elapsedSinceDispatchMs() };
}

void log(const Entry &entry, int status)
{
    qCInfo(lcHttp).noquote().nospace()
        << methodName(entry.method) << ' ' << Common::redactedTarget(entry.url) << ' ' << status
        << ' ' << entry.durationMs << "ms " << entry.remoteAddress.toString();
}

void logRequest(const QHttpServerRequest &request, int status)
{
    log(entryOf(request), status);
}

} // namespace Sluice::Server::RequestLog
