// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/metricsroutes.h"

#include "auth/authenticator.h"
#include "bus/eventbus.h"
#include "config/secrets.h"
#include "config/serverconfig.h"
#include "http/jsonreply.h"
#include "http/routetable.h"
#include "metrics/metrics.h"
#include "routes/servercontext.h"
#include "store/store.h"

#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponse>

namespace Sluice::Server {

void registerMetricsRoutes(ServerContext &ctx)
{
    ctx.routes.get(
        QStringLiteral("/metrics"), [&ctx](const QHttpServerRequest &request, const QStringList &) {
            // With a metrics token configured, scrapers present it as a Bearer token.
            if (!ctx.config.metricsToken.isEmpty()) {
                const auto token = Authenticator::bearerToken(request);
                if (!token || !Secrets::equal(*token, ctx.config.metricsToken))
                    return jsonUnauthorized(QStringLiteral("the metrics token is missing or wrong"),
                                            token.has_value());
            }
            ctx.metrics.gaugeSet("sluice_database_up", ctx.store.ping() ? 1 : 0);
            if (const std::optional<bool> bus = ctx.bus.reachable())
                ctx.metrics.gaugeSet("sluice_bus_connected", *bus ? 1 : 0);
            return QHttpServerResponse(Metrics::contentType(), ctx.metrics.renderPrometheus());
        });
}

} // namespace Sluice::Server
