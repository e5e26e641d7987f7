// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/promptroutes.h"

#include "http/jsonreply.h"
#include "http/routetable.h"
#include "ops/promptlifecycle.h"
#include "routes/routesupport.h"
#include "routes/servercontext.h"

#include <QtCore/QJsonArray>

namespace Sluice::Server {

namespace {
constexpr qsizetype maxPromptChars = 100000;
} // namespace

void registerPromptRoutes(ServerContext &ctx)
{
    const QString base = QStringLiteral("/api/claude-code/sessions/{sid}/prompts");

    ctx.routes.get(base, [&ctx](const QHttpServerRequest &request, const QStringList &args) {
        auto owned = Routes::requireOwnedSession(ctx, request, args.at(0));
        if (auto *reply = std::get_if<QHttpServerResponse>(&owned))
            return std::move(*reply);
        const SessionRecord *session = &std::get<SessionRecord>(owned);
        QJsonArray prompts;
        for (const PromptRecord &prompt : ctx.store.promptsForSession(session->id))
            prompts.append(Routes::promptJson(prompt));
        return jsonReply({ { QStringLiteral("prompts"), prompts } });
    });

    ctx.routes.post(base, [&ctx](const QHttpServerRequest &request, const QStringList &args) {
        auto owned = Routes::requireOwnedSession(ctx, request, args.at(0));
        if (auto *reply = std::get_if<QHttpServerResponse>(&owned))
            return std::move(*reply);
        const SessionRecord *session = &std::get<SessionRecord>(owned);
        QHttpServerResponse error(QHttpServerResponse::StatusCode::BadRequest);
        const auto body = parseJsonBody(request, &error);
        if (!body)
            return error;
        const auto text
            = Routes::requiredString(*body, QStringLiteral("text"), maxPromptChars, &error);
        if (!text)
            return error;
        const auto prompt = ctx.store.createPrompt(session->id, *text);
        if (!prompt)
            return Routes::storageError();
        Q_EMIT ctx.promptLifecycle.promptCreated(*prompt); // --demo: starts the demo run
        return jsonReply(Routes::promptJson(*prompt), QHttpServerResponse::StatusCode::Created);
    });

    ctx.routes.get(base + QStringLiteral("/{pid}"),
                   [&ctx](const QHttpServerRequest &request, const QStringList &args) {
                       auto owned = Routes::requireOwnedSession(ctx, request, args.at(0));
                       if (auto *reply = std::get_if<QHttpServerResponse>(&owned))
                           return std::move(*reply);
                       const SessionRecord *session = &std::get<SessionRecord>(owned);
                       const QString promptId = args.at(1);
                       const auto prompt = promptId.size() <= 128 ? ctx.store.prompt(promptId)
                                                                  : std::optional<PromptRecord>();
                       if (!prompt || prompt->sessionId != session->id)
                           return Routes::notFound(QStringLiteral("prompt"));
                       return jsonReply(Routes::promptJson(*prompt));
                   });
}

} // namespace Sluice::Server
