#include "routes/metricsroutes.h"

#include "app/servercontext.h"
#include "http/routetable.h"
#include "metrics/metrics.h"

#include <QHttpServerResponse>

namespace Sluice::Server {

void registerMetricsRoutes(ServerContext &ctx)
{
    ctx.routes.get(
        QStringLiteral("/metrics"), [&ctx](const QHttpServerRequest &, const QStringList &) {
            return QHttpServerResponse(Metrics::contentType(), ctx.metrics.renderPrometheus());
        });
}

} // namespace Sluice::Server
