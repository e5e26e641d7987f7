// One log line per request on sluice.server.http:
//   "GET /api/x?stream_token=[REDACTED] 200 3ms 127.0.0.1"
// Token-like query values (…token, password, secret, key, code) are redacted; headers are never
// logged.
#pragma once

#include <QByteArray>
#include <QHttpServerRequest>
#include <QString>
#include <QUrl>

namespace Sluice::Server::RequestLog {

// Path plus query with every secret-looking query value replaced by [REDACTED].
QString redactedTarget(const QUrl &url);
QByteArray methodName(QHttpServerRequest::Method method);

// Listener marks the start of every read; requests are dispatched synchronously from that read,
// so the time since the mark is the server-side handling time of the current request.
void markDispatchStart();
qint64 elapsedSinceDispatchMs();

void logRequest(const QHttpServerRequest &request, int status);

} // namespace Sluice::Server::RequestLog
