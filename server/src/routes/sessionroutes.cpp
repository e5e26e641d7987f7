// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/sessionroutes.h"

#include "http/jsonreply.h"
#include "http/routetable.h"
#include "ops/quotas.h"
#include "routes/pagination.h"
#include "routes/routesupport.h"
#include "routes/servercontext.h"

#include <QtCore/QJsonArray>

namespace Sluice::Server {

namespace {
constexpr qsizetype maxTitleChars = 200;
} // namespace

void registerSessionRoutes(ServerContext &ctx)
{
    const QString base = QStringLiteral("/api/claude-code/sessions");

    ctx.routes.get(base, [&ctx](const QHttpServerRequest &request, const QStringList &) {
        auto user = Routes::requireUser(ctx, request);
        if (auto *reply = std::get_if<QHttpServerResponse>(&user))
            return std::move(*reply);
        auto query = Routes::pageQuery(request, Routes::ListKind::Sessions);
        if (auto *reply = std::get_if<QHttpServerResponse>(&query))
            return std::move(*reply);
        const auto &pageQuery = std::get<Routes::PageQuery>(query);
        const Page<SessionRecord> page
            = ctx.store.sessionPage(std::get<QString>(user), pageQuery.after, pageQuery.limit);
        QJsonArray sessions;
        for (const SessionRecord &session : page.records)
            sessions.append(Routes::sessionJson(session));
        return jsonReply({ { QStringLiteral("sessions"), sessions },
                           { QStringLiteral("nextCursor"),
                             Routes::nextCursorJson(Routes::ListKind::Sessions, page.next) } });
    });

    ctx.routes.post(base, [&ctx](const QHttpServerRequest &request, const QStringList &) {
        auto user = Routes::requireUser(ctx, request);
        if (auto *reply = std::get_if<QHttpServerResponse>(&user))
            return std::move(*reply);
        QHttpServerResponse error(QHttpServerResponse::StatusCode::BadRequest);
        const auto body = parseJsonBody(request, &error);
        if (!body)
            return error;
        const auto title = Routes::optionalString(*body, QStringLiteral("title"), maxTitleChars,
                                                  QString(), &error);
        if (!title)
            return error;
        // Never a null QString: it would be bound as SQL NULL.
        const QString titleText = title->isNull() ? QStringLiteral("") : *title;
        const SessionInsert inserted = ctx.store.createSessionWithin(
            std::get<QString>(user), titleText, ctx.quotas.limit(Quota::SessionsPerUser));
        if (inserted.outcome == QuotaInsert::OverQuota)
            return ctx.quotas.rejection(Quota::SessionsPerUser);
        if (inserted.outcome != QuotaInsert::Inserted)
            return Routes::storageError();
        return jsonReply(Routes::sessionJson(inserted.record),
                         QHttpServerResponse::StatusCode::Created);
    });

    ctx.routes.get(base + QStringLiteral("/{sid}"),
                   [&ctx](const QHttpServerRequest &request, const QStringList &args) {
                       auto owned = Routes::requireOwnedSession(ctx, request, args.at(0));
                       if (auto *reply = std::get_if<QHttpServerResponse>(&owned))
                           return std::move(*reply);
                       const SessionRecord *session = &std::get<SessionRecord>(owned);
                       return jsonReply(Routes::sessionJson(*session));
                   });
}

} // namespace Sluice::Server
