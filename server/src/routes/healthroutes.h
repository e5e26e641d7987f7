// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// GET /healthz (no auth): 200 {"status":"ok","database":"ok","bus":...} while the database answers,
// 503 {"status":"unavailable","database":"unreachable",...} when it does not, so that a load
// balancer takes the instance out. The bus is "in-process" (one instance), "ok" or "unreachable":
// an instance that lost Redis still serves its own streams and replays from the log, so that alone
// is reported, not a 503.
#pragma once

namespace Sluice::Server {

class EventBus;
class RouteTable;
class Store;

void registerHealthRoutes(RouteTable &routes, Store &store, const EventBus &bus);

} // namespace Sluice::Server
