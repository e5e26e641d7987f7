// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/ApiClient.h>

#include "api/apiclient_p.h"
#include "core/logging_p.h"

#include <QtNetwork/QNetworkReply>

namespace Sluice {

namespace {

QString encoded(const QString &segment)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(segment));
}

QString sessionPath(const QString &sessionId)
{
    return QStringLiteral("/api/claude-code/sessions/") + encoded(sessionId);
}

// "?limit=..&cursor=.." of a list page; empty for the server's defaults.
QString pageQuery(int limit, const QString &cursor)
{
    QStringList items;
    if (limit > 0)
        items.append(QStringLiteral("limit=") + QString::number(limit));
    if (!cursor.isEmpty())
        items.append(QStringLiteral("cursor=") + encoded(cursor));
    if (items.isEmpty())
        return {};
    return u'?' + items.join(u'&');
}

} // namespace

ApiReply *ApiClientPrivate::start(ApiClient *q, ApiReply::Operation operation,
                                  const QByteArray &method, const QString &path,
                                  const QJsonDocument &body, const QString &what)
{
    auto *reply = new ApiReply(operation, q);
    if (!session) {
        reply->finish(Error(Error::Kind::NotSignedIn, QStringLiteral("%1: no session").arg(what)));
        return reply;
    }
    attempt(reply, method, path, body, what, false);
    return reply;
}

void ApiClientPrivate::attempt(ApiReply *reply, const QByteArray &method, const QString &path,
                               const QJsonDocument &body, const QString &what, bool retried)
{
    session->whenAccessTokenReady(reply, [=, this](const Error &ready) {
        auto *rd = static_cast<ApiReplyPrivate *>(reply->d_ptr.get());
        if (rd->canceled)
            return;
        if (ready.isError() || !session) {
            JsonCall::Result result;
            result.error = ready.isError()
                ? ready
                : Error(Error::Kind::NotSignedIn, QStringLiteral("%1: no session").arg(what));
            complete(reply, result);
            return;
        }
        QNetworkRequest request = JsonCall::makeRequest(session->serverUrl(), path);
        const quint64 generation = session->authorize(request);
        rd->inFlight = JsonCall::send(
            session->networkAccessManager(), request, method, body, requestTimeout, reply,
            [=, this](const JsonCall::Result &result) {
                if (result.error.kind() == Error::Kind::Unauthorized && !retried && session) {
                    // The token was refused (expired early, revoked): one shared refresh, one
                    // more try.
                    session->rejectAccessToken(generation);
                    attempt(reply, method, path, body, what, true);
                    return;
                }
                complete(reply, result);
            });
    });
}

void ApiClientPrivate::complete(ApiReply *reply, const JsonCall::Result &result)
{
    auto *rd = static_cast<ApiReplyPrivate *>(reply->d_ptr.get());
    rd->inFlight = nullptr;
    rd->result = result;
    if (result.ok() && !result.json.isObject() && result.response.status() != 204) {
        rd->result.error = Error(Error::Kind::ProtocolError,
                                 QStringLiteral("The server's answer is not a JSON object"));
    }
    reply->finish(rd->result.error);
}

ApiClient::ApiClient(AuthSession *session, QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<ApiClientPrivate>())
{
    d_ptr->session = session;
}

ApiClient::~ApiClient() = default;

AuthSession *ApiClient::session() const
{
    return d_ptr->session;
}

std::chrono::milliseconds ApiClient::requestTimeout() const
{
    return d_ptr->requestTimeout;
}

void ApiClient::setRequestTimeout(std::chrono::milliseconds timeout)
{
    d_ptr->requestTimeout = std::max(timeout, std::chrono::milliseconds(1));
}

ApiReply *ApiClient::listSessions()
{
    return listSessions(0);
}

ApiReply *ApiClient::listSessions(int limit, const QString &cursor)
{
    return d_ptr->start(this, ApiReply::Operation::ListSessions, "GET",
                        QStringLiteral("/api/claude-code/sessions") + pageQuery(limit, cursor), {},
                        QStringLiteral("Listing sessions"));
}

ApiReply *ApiClient::createSession(const QString &title)
{
    QJsonObject body;
    if (!title.isEmpty())
        body.insert(QStringLiteral("title"), title);
    return d_ptr->start(this, ApiReply::Operation::CreateSession, "POST",
                        QStringLiteral("/api/claude-code/sessions"), QJsonDocument(body),
                        QStringLiteral("Creating a session"));
}

ApiReply *ApiClient::getSession(const QString &sessionId)
{
    return d_ptr->start(this, ApiReply::Operation::GetSession, "GET", sessionPath(sessionId), {},
                        QStringLiteral("Reading the session"));
}

ApiReply *ApiClient::listPrompts(const QString &sessionId)
{
    return listPrompts(sessionId, 0);
}

ApiReply *ApiClient::listPrompts(const QString &sessionId, int limit, const QString &cursor)
{
    return d_ptr->start(this, ApiReply::Operation::ListPrompts, "GET",
                        sessionPath(sessionId) + QStringLiteral("/prompts")
                            + pageQuery(limit, cursor),
                        {}, QStringLiteral("Listing prompts"));
}

ApiReply *ApiClient::createPrompt(const QString &sessionId, const QString &text)
{
    return d_ptr->start(this, ApiReply::Operation::CreatePrompt, "POST",
                        sessionPath(sessionId) + QStringLiteral("/prompts"),
                        QJsonDocument(QJsonObject { { QStringLiteral("text"), text } }),
                        QStringLiteral("Creating a prompt"));
}

ApiReply *ApiClient::getPrompt(const QString &sessionId, const QString &promptId)
{
    return d_ptr->start(this, ApiReply::Operation::GetPrompt, "GET",
                        JsonCall::promptPath(sessionId, promptId), {},
                        QStringLiteral("Reading the prompt"));
}

ApiReply *ApiClient::createStreamToken(const QString &sessionId, const QString &promptId)
{
    return d_ptr->start(this, ApiReply::Operation::CreateStreamToken, "POST",
                        JsonCall::promptPath(sessionId, promptId) + QStringLiteral("/stream-token"),
                        {}, QStringLiteral("Getting a stream token"));
}

ApiReply *ApiClient::publishEvent(const QString &sessionId, const QString &promptId,
                                  const QString &type, const QJsonObject &data)
{
    QJsonObject body { { QStringLiteral("type"), type } };
    if (!data.isEmpty() || type != u"done")
        body.insert(QStringLiteral("data"), data);
    return d_ptr->start(this, ApiReply::Operation::PublishEvent, "POST",
                        JsonCall::promptPath(sessionId, promptId) + QStringLiteral("/events"),
                        QJsonDocument(body), QStringLiteral("Publishing an event"));
}

ApiReply *ApiClient::request(const QByteArray &method, const QString &path, const QJsonObject &body)
{
    return d_ptr->start(this, ApiReply::Operation::Custom, method, path,
                        body.isEmpty() ? QJsonDocument() : QJsonDocument(body),
                        QString::fromLatin1(method) + u' ' + path);
}

QUrl ApiClient::streamUrl(const QString &sessionId, const QString &promptId) const
{
    if (!d_ptr->session)
        return {};
    return JsonCall::makeRequest(d_ptr->session->serverUrl(),
                                 JsonCall::promptPath(sessionId, promptId)
                                     + QStringLiteral("/stream"))
        .url();
}

} // namespace Sluice
