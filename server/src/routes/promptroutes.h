// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// GET/POST /api/claude-code/sessions/{sid}/prompts, GET .../prompts/{pid}: owner only.
#pragma once

namespace Sluice::Server {

class ServerContext;

void registerPromptRoutes(ServerContext &ctx);

} // namespace Sluice::Server
