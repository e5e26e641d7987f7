// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Stream routes:
// POST /api/claude-code/sessions/{sid}/prompts/{pid}/stream-token  Bearer, owner → {token,
// expiresIn} GET  /api/claude-code/sessions/{sid}/prompts/{pid}/stream        SSE (see StreamHub,
// SseStream)
#pragma once

namespace Sluice::Server {

class ServerContext;

void registerStreamRoutes(ServerContext &ctx);

} // namespace Sluice::Server
