// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// GET /healthz → {"status":"ok"} (liveness; no auth).
#pragma once

namespace Sluice::Server {

class RouteTable;

void registerHealthRoutes(RouteTable &routes);

} // namespace Sluice::Server
