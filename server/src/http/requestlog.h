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

namespace Sluice::Server::RequestLog {

QByteArray methodName(QHttpServerRequest::Method method);

// Listener marks the start of every read; requests are dispatched synchronously from that read,
// so the time since the mark is the server-side handling time of the current request.
void markDispatchStart();
qint64 elapsedSinceDispatchMs();

void logRequest(const QHttpServerRequest &request, int status);

} // namespace Sluice::Server::RequestLog
