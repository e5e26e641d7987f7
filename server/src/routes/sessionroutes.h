// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// GET/POST /api/claude-code/sessions, GET /api/claude-code/sessions/{sid}: owner only.
#pragma once

namespace Sluice::Server {

class ServerContext;

void registerSessionRoutes(ServerContext &ctx);

} // namespace Sluice::Server
