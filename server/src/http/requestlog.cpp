#include "http/requestlog.h"

#include "http/httplogging.h"

#include <QElapsedTimer>

namespace Sluice::Server::RequestLog {

namespace {
thread_local QElapsedTimer t_dispatchTimer;

bool isSecretKey(const QString &rawKey)
{
    const QString key = QUrl::fromPercentEncoding(rawKey.toUtf8()).toLower();
    static const QStringList fragments { QStringLiteral("token"),  QStringLiteral("password"),
                                         QStringLiteral("passwd"), QStringLiteral("secret"),
                                         QStringLiteral("apikey"), QStringLiteral("api_key"),
                                         QStringLiteral("auth"),   QStringLiteral("jwt") };
    for (const QString &fragment : fragments) {
        if (key.contains(fragment))
            return true;
    }
    return key == u"key" || key == u"code" || key == u"sig" || key == u"signature";
}
} // namespace

QString redactedTarget(const QUrl &url)
{
    QString target = url.path(QUrl::FullyEncoded);
    if (target.isEmpty())
        target = QStringLiteral("/");
    if (!url.hasQuery())
        return target;
    QStringList parts = url.query(QUrl::FullyEncoded).split(u'&');
    for (QString &part : parts) {
        const qsizetype eq = part.indexOf(u'=');
        const QString key = eq < 0 ? part : part.left(eq);
        if (isSecretKey(key))
            part = key + QStringLiteral("=[REDACTED]");
    }
    return target + u'?' + parts.join(u'&');
}

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

void logRequest(const QHttpServerRequest &request, int status)
{
    qCInfo(lcHttp).noquote().nospace()
        << methodName(request.method()) << ' ' << redactedTarget(request.url()) << ' ' << status
        << ' ' << elapsedSinceDispatchMs() << "ms " << request.remoteAddress().toString();
}

} // namespace Sluice::Server::RequestLog
