// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// GET /metrics: the Metrics registry in Prometheus text format (unauthenticated, like /healthz;
// expose it only where operators can reach it).
#pragma once

namespace Sluice::Server {

class ServerContext;

void registerMetricsRoutes(ServerContext &ctx);

} // namespace Sluice::Server
