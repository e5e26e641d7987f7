// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/streamroutes.h"

#include "auth/authenticator.h"
#include "auth/tokenservice.h"
#include "config/serverconfig.h"
#include "http/jsonreply.h"
#include "http/responsefinisher.h"
#include "http/routetable.h"
#include "logging.h"
#include "ops/streamlimits.h"
#include "routes/routesupport.h"
#include "routes/servercontext.h"
#include "store/store.h"
#include "stream/lasteventid.h"
#include "stream/ssestream.h"
#include "stream/streamhub.h"

#include <QtCore/QJsonObject>
#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponder>

namespace Sluice::Server {

namespace {

using Status = QHttpServerResponse::StatusCode;

const QString promptBase = QStringLiteral("/api/claude-code/sessions/{sid}/prompts/{pid}");

// The prompt when it exists, is in that session, and the session belongs to userId.
std::optional<PromptRecord> ownedPrompt(const ServerContext &ctx, const QString &userId,
                                        const QString &sessionId, const QString &promptId)
{
    const auto session = Routes::ownedSession(ctx, userId, sessionId);
    if (!session || promptId.isEmpty() || promptId.size() > 128)
        return std::nullopt;
    auto prompt = ctx.store.prompt(promptId);
    if (!prompt || prompt->sessionId != session->id)
        return std::nullopt;
    return prompt;
}

// When the stream ends by itself: at the access token's expiry for Bearer and cookie streams (the
// client reconnects with a fresh token), after the maximum lifetime for stream-token streams.
QDateTime streamEndsAt(const ServerContext &ctx, const AuthResult &auth)
{
    if (auth.credential == CredentialKind::StreamToken)
        return QDateTime::currentDateTimeUtc().addSecs(ctx.config.streamMaxLifetime.count());
    return auth.expiresAt;
}

void reply(const ServerContext &ctx, const QHttpServerRequest &request,
           QHttpServerResponder &responder, QHttpServerResponse &&response)
{
    ctx.finisher.send(request, responder, std::move(response));
}

void openStream(ServerContext &ctx, const QHttpServerRequest &request, const QStringList &args,
                QHttpServerResponder &responder)
{
    const QString &sessionId = args.at(0);
    const QString &promptId = args.at(1);
    if (ctx.streams.isDraining()) {
        reply(ctx, request, responder,
              jsonError(Status::ServiceUnavailable, ErrorCode::serviceUnavailable,
                        QStringLiteral("the server is shutting down"), std::chrono::seconds(1)));
        return;
    }

    const AuthResult auth = ctx.authenticator.authenticateStream(request, sessionId, promptId);
    if (!auth.ok) {
        ctx.streams.metrics().authFailure(auth.httpStatus == 403 ? QByteArrayLiteral("wrong_stream")
                                                                 : QByteArrayLiteral("stream"));
        reply(ctx, request, responder, Routes::authFailure(auth));
        return;
    }
    const auto prompt = ownedPrompt(ctx, auth.userId, sessionId, promptId);
    if (!prompt) {
        reply(ctx, request, responder, Routes::notFound(QStringLiteral("prompt")));
        return;
    }
    const auto parsedId = lastEventId(request);
    if (std::holds_alternative<InvalidLastEventId>(parsedId)) {
        reply(ctx, request, responder,
              Routes::validationError(QStringLiteral(
                  "Last-Event-ID / last_event_id must be an event sequence number")));
        return;
    }
    const qint64 lastId = std::get<qint64>(parsedId);
    // The client has seen everything of a finished prompt: 204 tells it to stop reconnecting.
    if (prompt->status == PromptStatus::Done
        && ctx.store.eventsAfter(promptId, lastId, 1).isEmpty()) {
        reply(ctx, request, responder, QHttpServerResponse(Status::NoContent));
        return;
    }

    if (const auto rejection = ctx.streamLimits.tryAcquire(auth.userId)) {
        reply(ctx, request, responder, rejection->response());
        return;
    }

    const QDateTime endsAt = streamEndsAt(ctx, auth);
    auto *stream = new SseStream(std::move(responder), ctx.finisher.responderHeaders(request),
                                 ctx.streams.options());
    ctx.finisher.logResponderReply(request, 200);
    qCInfo(lcStream, "stream opened: prompt %s, user %s, after id %lld", qPrintable(promptId),
           qPrintable(auth.userId), static_cast<long long>(lastId));
    StreamLimits *limits = &ctx.streamLimits;
    ctx.streams.open(stream, StreamOwner { auth.userId, auth.familyId, auth.issuedAt }, promptId,
                     lastId, endsAt, [limits, userId = auth.userId] { limits->release(userId); });
}

QHttpServerResponse streamToken(ServerContext &ctx, const QHttpServerRequest &request,
                                const QStringList &args)
{
    auto caller = Routes::requireAuth(ctx, request);
    if (auto *response = std::get_if<QHttpServerResponse>(&caller))
        return std::move(*response);
    const AuthResult &auth = std::get<AuthResult>(caller);
    const auto prompt = ownedPrompt(ctx, auth.userId, args.at(0), args.at(1));
    if (!prompt)
        return Routes::notFound(QStringLiteral("prompt"));
    // The stream token belongs to the caller's sign-in: signing that device out ends it too.
    const auto minted = ctx.tokens.mintStreamToken(auth.userId, prompt->sessionId, prompt->id, {},
                                                   {}, auth.familyId);
    if (!minted)
        return jsonError(Status::InternalServerError, ErrorCode::internal,
                         QStringLiteral("could not issue a stream token"));
    QHttpServerResponse response
        = jsonReply({ { QStringLiteral("token"), QString::fromLatin1(minted->token) },
                      { QStringLiteral("expiresIn"), double(minted->expiresIn.count()) } });
    response.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    return response;
}

} // namespace

void registerStreamRoutes(ServerContext &ctx)
{
    ctx.routes.post(promptBase + QStringLiteral("/stream-token"),
                    [&ctx](const QHttpServerRequest &request, const QStringList &args) {
                        return streamToken(ctx, request, args);
                    });
    ctx.routes.addResponder(
        QHttpServerRequest::Method::Get, promptBase + QStringLiteral("/stream"),
        [&ctx](const QHttpServerRequest &request, const QStringList &args,
               QHttpServerResponder &responder) { openStream(ctx, request, args, responder); });
}

} // namespace Sluice::Server
