// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/healthroutes.h"

#include "http/jsonreply.h"
#include "http/routetable.h"

namespace Sluice::Server {

void registerHealthRoutes(RouteTable &routes)
{
    routes.get(QStringLiteral("/healthz"), [](const QHttpServerRequest &, const QStringList &) {
        return jsonReply({ { QStringLiteral("status"), QStringLiteral("ok") } });
    });
}

} // namespace Sluice::Server
