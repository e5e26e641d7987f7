// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "api/jsoncall_p.h"

#include "common/redaction.h"
#include "core/error_p.h"
#include "core/logging_p.h"
#include "core/response_p.h"
#include "transport/httppolicy_p.h"
#include "transport/oneshotbody_p.h"

#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>

namespace Sluice::JsonCall {

namespace {

// Large enough for any answer of the API (lists of sessions and prompts included).
constexpr qint64 MaxAnswerBytes = 16 * 1024 * 1024;

QString percentEncoded(const QString &segment)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(segment));
}

} // namespace

QNetworkRequest makeRequest(const QUrl &server, const QString &path)
{
    QUrl url = server;
    QString base = url.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    // Ids in `path` are percent-encoded (a '?' in an id is "%3F"): the first '?' starts a query.
    const qsizetype queryStart = path.indexOf(u'?');
    url.setPath(base + path.left(queryStart));
    url.setQuery(queryStart < 0 ? QString() : path.mid(queryStart + 1));
    url.setFragment(QString());
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/json");
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    return request;
}

QString promptPath(const QString &sessionId, const QString &promptId)
{
    return QStringLiteral("/api/claude-code/sessions/%1/prompts/%2")
        .arg(percentEncoded(sessionId), percentEncoded(promptId));
}

QNetworkReply *send(QNetworkAccessManager *nam, const QNetworkRequest &request,
                    const QByteArray &method, const QJsonDocument &body,
                    std::chrono::milliseconds timeout, QObject *context, Callback done)
{
    QNetworkRequest r = request;
    QByteArray payload;
    if (!body.isNull()) {
        payload = body.toJson(QJsonDocument::Compact);
        r.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    qCDebug(lcApi).noquote() << method << Common::redactedUrl(r.url());
    QNetworkReply *reply = nullptr;
    if (method == "GET") {
        // Safe to repeat: Qt may re-send it by itself on a fresh connection.
        reply = nam->get(r);
    } else {
        // Never repeated behind the caller's back: a login counts against the rate limit, a
        // refresh token is rotated by its first use (a silent second use looks like theft to the
        // server), a published event would be stored twice.
        r.setHeader(QNetworkRequest::ContentLengthHeader, qint64(payload.size()));
        r.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
        auto *upload = new OneShotBody(payload);
        reply = nam->sendCustomRequest(r, method, upload);
        upload->setParent(reply);
    }

    struct State
    {
        bool timedOut = false;
        bool done = false;
        bool encrypted = false;
    };
    auto state = std::make_shared<State>();
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, reply, [reply, state] {
        state->timedOut = true;
        reply->abort();
    });
    if (timeout.count() > 0)
        timer->start(timeout);
    QObject::connect(reply, &QNetworkReply::encrypted, reply, [state] { state->encrypted = true; });
    QObject::connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received) {
        if (received > MaxAnswerBytes)
            reply->abort();
    });
    QObject::connect(
        reply, &QNetworkReply::finished, context,
        [reply, state, done = std::move(done),
         what = QString(QString::fromLatin1(method) + u' ' + r.url().path())] {
            if (state->done)
                return;
            state->done = true;
            reply->deleteLater();
            Result result;
            const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
            const QByteArray bytes = reply->readAll();
            if (status.isValid()) {
                result.response
                    = ResponseBuilder::withBody(ResponseBuilder::fromReply(*reply), bytes, false);
                result.json = QJsonDocument::fromJson(bytes);
            }
            const int code = result.response.status();
            if (code < 200 || code > 299 || state->timedOut) {
                const bool handshakeUnfinished
                    = reply->url().scheme() == u"https" && !state->encrypted;
                result.error = errorFor(what, result.response, int(reply->error()),
                                        reply->errorString(), state->timedOut, handshakeUnfinished);
            }
            done(result);
        });
    // The context went away: nobody wants the answer.
    QObject::connect(context, &QObject::destroyed, reply, [reply, state] {
        state->done = true;
        reply->abort();
        reply->deleteLater();
    });
    return reply;
}

Error errorFor(const QString &what, const Response &response, int networkError,
               const QString &networkErrorText, bool timedOut, bool tlsHandshakeUnfinished)
{
    using Kind = Error::Kind;
    if (timedOut)
        return Error(Kind::Timeout,
                     QStringLiteral("%1: the server did not answer in time").arg(what));
    const int status = response.status();
    if (status == 0) {
        switch (QNetworkReply::NetworkError(networkError)) {
        case QNetworkReply::SslHandshakeFailedError:
            return Error(Kind::Tls,
                         QStringLiteral("%1: TLS error: %2").arg(what, networkErrorText));
        case QNetworkReply::OperationCanceledError:
            return Error(Kind::Canceled, QStringLiteral("%1: canceled").arg(what));
        case QNetworkReply::TimeoutError:
            return Error(Kind::Timeout, QStringLiteral("%1: timed out").arg(what));
        case QNetworkReply::ContentReSendError:
            return Error(Kind::Network,
                         QStringLiteral("%1: the connection was lost before the server answered; "
                                        "the request may or may not have been processed")
                             .arg(what));
        case QNetworkReply::RemoteHostClosedError:
        case QNetworkReply::UnknownNetworkError:
            if (tlsHandshakeUnfinished) // e.g. https:// to a plain-HTTP port
                return Error(
                    Kind::Tls,
                    QStringLiteral("%1: TLS error: the server closed the connection during "
                                   "the TLS handshake (is it an HTTPS server?)")
                        .arg(what));
            Q_FALLTHROUGH();
        default:
            return Error(
                Kind::Network,
                QStringLiteral("%1: cannot reach the server: %2").arg(what, networkErrorText));
        }
    }
    const QString serverMessage = response.serverErrorMessage();
    const QString detail = serverMessage.isEmpty()
        ? QStringLiteral("HTTP %1 %2").arg(status).arg(response.reasonPhrase()).trimmed()
        : serverMessage;
    const QString message = QStringLiteral("%1: %2").arg(what, detail);
    Kind kind = Kind::ProtocolError;
    if (status == 401)
        kind = Kind::Unauthorized;
    else if (status == 403)
        kind = Kind::Forbidden;
    else if (status == 404)
        kind = Kind::NotFound;
    else if (status == 429)
        kind = Kind::RateLimited;
    else if (status == 400 || status == 409 || status == 413 || status == 415 || status == 422)
        kind = Kind::InvalidRequest;
    else if (status >= 500 && status <= 599)
        kind = Kind::ServerError;
    ErrorBuilder error(kind, message);
    error.response(response);
    const auto retryAfter = HttpPolicy::parseRetryAfter(response.header("Retry-After"),
                                                        QDateTime::currentDateTimeUtc());
    if (retryAfter)
        error.retryAfter(*retryAfter);
    return error;
}

} // namespace Sluice::JsonCall
