// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/sessionroutes.h"

#include "http/jsonreply.h"
#include "http/routetable.h"
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
        QJsonArray sessions;
        for (const SessionRecord &session : ctx.store.sessionsForUser(std::get<QString>(user)))
            sessions.append(Routes::sessionJson(session));
        return jsonReply({ { QStringLiteral("sessions"), sessions } });
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
        const auto session = ctx.store.createSession(std::get<QString>(user), titleText);
        if (!session)
            return Routes::storageError();
        return jsonReply(Routes::sessionJson(*session), QHttpServerResponse::StatusCode::Created);
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
