// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/eventroutes.h"

#include "auth/authenticator.h"
#include "config/serverconfig.h"
#include "http/deferredreply.h"
#include "http/jsonreply.h"
#include "http/responsefinisher.h"
#include "http/routetable.h"
#include "ops/producerkey.h"
#include "ops/publishratelimiter.h"
#include "routes/routesupport.h"
#include "routes/servercontext.h"
#include "store/store.h"
#include "stream/eventpublisher.h"

#include <QtCore/QJsonObject>

#include <QtHttpServer/QHttpServerRequest>
#include <memory>
#include <optional>

namespace Sluice::Server {

namespace {

using Status = QHttpServerResponse::StatusCode;

// `Authorization: Bearer <producer key>` (the key is not a JWT, so it never matches a token).
bool bearerIsProducerKey(const ServerContext &ctx, const QHttpServerRequest &request)
{
    if (ctx.config.producerKey.isEmpty())
        return false;
    const auto token = Authenticator::bearerToken(request);
    return token && ProducerKey::matches(ctx.config.producerKey, *token);
}

// The answer to a publish, or nothing when the event was queued for the group commit (the
// reply is then written by publishReply()).
using Immediate = std::optional<QHttpServerResponse>;

QHttpServerResponse publishReply(const EventPublisher::Result &result)
{
    if (!result.id) {
        // A storage failure (disk full, I/O error) passes: the producer retries after a second.
        if (result.httpStatus == 503)
            return jsonError(Status::ServiceUnavailable, result.code, result.message,
                             std::chrono::seconds(1));
        return jsonError(Status(result.httpStatus), result.code, result.message);
    }
    return jsonReply({ { QStringLiteral("id"), double(*result.id) } }, Status::Created);
}

Immediate postEvent(ServerContext &ctx, const QHttpServerRequest &request, const QStringList &args,
                    QHttpServerResponder &responder)
{
    if (auto tooLarge = ctx.routes.bodyTooLarge(request))
        return tooLarge;
    const QString &sessionId = args.at(0);
    const QString &promptId = args.at(1);

    bool producer = false;
    switch (ProducerKey::check(ctx.config, request)) {
    case ProducerKey::Check::Valid:
        producer = true;
        break;
    case ProducerKey::Check::Invalid:
        return jsonUnauthorized(QStringLiteral("invalid producer key"), true);
    case ProducerKey::Check::Ambiguous:
        return Routes::validationError(QStringLiteral("X-Sluice-Producer-Key must be sent once"));
    case ProducerKey::Check::Absent:
        producer = bearerIsProducerKey(ctx, request);
        break;
    }

    if (producer) {
        const auto prompt
            = promptId.size() <= 128 ? ctx.store.prompt(promptId) : std::optional<PromptRecord>();
        if (!prompt || prompt->sessionId != sessionId)
            return Routes::notFound(QStringLiteral("prompt"));
    } else {
        auto user = Routes::requireUser(ctx, request);
        if (auto *response = std::get_if<QHttpServerResponse>(&user))
            return std::move(*response);
        const auto session = Routes::ownedSession(ctx, std::get<QString>(user), sessionId);
        const auto prompt = session && promptId.size() <= 128 ? ctx.store.prompt(promptId)
                                                              : std::optional<PromptRecord>();
        if (!prompt || prompt->sessionId != session->id)
            return Routes::notFound(QStringLiteral("prompt"));
    }

    QHttpServerResponse error(Status::BadRequest);
    const auto body = parseJsonBody(request, &error);
    if (!body)
        return error;
    const QJsonValue typeName = body->value(QStringLiteral("type"));
    if (!typeName.isString())
        return Routes::validationError(QStringLiteral("field \"type\" must be a string"));
    const auto type = parseEventType(typeName.toString());
    if (!type)
        return Routes::validationError(QStringLiteral("type must be one of: %1")
                                           .arg(eventTypeNames().join(QStringLiteral(", "))));
    // Only well-formed events for an existing prompt count, so unknown ids cannot fill the table.
    if (const auto retryAfter = ctx.publishLimiter.admit(promptId)) {
        return jsonError(Status::TooManyRequests, ErrorCode::rateLimited,
                         QStringLiteral("too many events for this prompt (at most %1 per second, "
                                        "bursts of %2); retry after %3 s")
                             .arg(ctx.config.publishRate)
                             .arg(ctx.config.publishBurst)
                             .arg(retryAfter->count()),
                         *retryAfter);
    }
    // Answered once the event is durable (group commit, EventPublisher::enqueue).
    auto reply = std::make_shared<DeferredReply>(ctx.finisher, request, std::move(responder));
    ctx.publisher.enqueue(
        promptId, *type, body->value(QStringLiteral("data")),
        [reply](const EventPublisher::Result &result) { reply->send(publishReply(result)); });
    return std::nullopt;
}

} // namespace

void registerEventRoutes(ServerContext &ctx)
{
    ctx.routes.addResponder(QHttpServerRequest::Method::Post,
                            QStringLiteral("/api/claude-code/sessions/{sid}/prompts/{pid}/events"),
                            [&ctx](const QHttpServerRequest &request, const QStringList &args,
                                   QHttpServerResponder &responder) {
                                if (auto response = postEvent(ctx, request, args, responder))
                                    ctx.finisher.send(request, responder, std::move(*response));
                            });
}

} // namespace Sluice::Server
