// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/healthroutes.h"

#include "bus/eventbus.h"
#include "http/jsonreply.h"
#include "http/routetable.h"
#include "store/store.h"

namespace Sluice::Server {

void registerHealthRoutes(RouteTable &routes, Store &store, const EventBus &bus)
{
    routes.get(QStringLiteral("/healthz"),
               [&store, &bus](const QHttpServerRequest &, const QStringList &) {
                   const bool database = store.ping();
                   const std::optional<bool> busUp = bus.reachable();
                   const QString busState = !busUp ? QStringLiteral("in-process")
                       : *busUp                    ? QStringLiteral("ok")
                                                   : QStringLiteral("unreachable");
                   return jsonReply(
                       { { QStringLiteral("status"),
                           database ? QStringLiteral("ok") : QStringLiteral("unavailable") },
                         { QStringLiteral("database"),
                           database ? QStringLiteral("ok") : QStringLiteral("unreachable") },
                         { QStringLiteral("bus"), busState } },
                       database ? QHttpServerResponse::StatusCode::Ok
                                : QHttpServerResponse::StatusCode::ServiceUnavailable);
               });
}

} // namespace Sluice::Server
