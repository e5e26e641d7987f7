// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/promptroutes.h"

#include "http/jsonreply.h"
#include "http/routetable.h"
#include "ops/promptlifecycle.h"
#include "ops/quotas.h"
#include "routes/pagination.h"
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
        auto query = Routes::pageQuery(request, Routes::ListKind::Prompts);
        if (auto *reply = std::get_if<QHttpServerResponse>(&query))
            return std::move(*reply);
        const auto &pageQuery = std::get<Routes::PageQuery>(query);
        const Page<PromptRecord> page
            = ctx.store.promptPage(session->id, pageQuery.after, pageQuery.limit);
        QJsonArray prompts;
        for (const PromptRecord &prompt : page.records)
            prompts.append(Routes::promptJson(prompt));
        return jsonReply({ { QStringLiteral("prompts"), prompts },
                           { QStringLiteral("nextCursor"),
                             Routes::nextCursorJson(Routes::ListKind::Prompts, page.next) } });
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
        const PromptInsert inserted = ctx.store.createPromptWithin(
            session->id, *text, ctx.quotas.limit(Quota::PromptsPerUser));
        if (inserted.outcome == QuotaInsert::OverQuota)
            return ctx.quotas.rejection(Quota::PromptsPerUser);
        if (inserted.outcome == QuotaInsert::NoSuchParent)
            return Routes::notFound(QStringLiteral("session"));
        if (inserted.outcome != QuotaInsert::Inserted)
            return Routes::storageError();
        Q_EMIT ctx.promptLifecycle.promptCreated(inserted.record); // --demo: starts the demo run
        return jsonReply(Routes::promptJson(inserted.record),
                         QHttpServerResponse::StatusCode::Created);
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
