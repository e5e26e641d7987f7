// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// One log line per request on sluice.server.http:
//   "GET /api/x?stream_token=REDACTED 200 3ms 127.0.0.1"
// Token-like query values are redacted (Sluice::Common::redactedTarget, the rule the SDK and
// sluice-stream use too); headers are never logged.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QUrl>
#include <QtHttpServer/QHttpServerRequest>
#include <QtNetwork/QHostAddress>

namespace Sluice::Server::RequestLog {

QByteArray methodName(QHttpServerRequest::Method method);

// Listener marks the start of every read; requests are dispatched synchronously from that read,
// so the time since the mark is the server-side handling time of the current request.
void markDispatchStart();
qint64 elapsedSinceDispatchMs();

// What the log line needs from a request. A reply written after its handler returned is logged
// from an Entry taken while the handler ran (see ResponseFinisher::defer).
struct Entry
{
    QHttpServerRequest::Method method = QHttpServerRequest::Method::Unknown;
    QUrl url;
    QHostAddress remoteAddress;
    qint64 durationMs = 0;
};
// The entry of the request being dispatched now; its duration is elapsedSinceDispatchMs().
Entry entryOf(const QHttpServerRequest &request);

void log(const Entry &entry, int status);
void logRequest(const QHttpServerRequest &request, int status);

} // namespace Sluice::Server::RequestLog
