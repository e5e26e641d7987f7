// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// POST /api/claude-code/sessions/{sid}/prompts/{pid}/events  {type, data} → 201 {id}
// Authorised by the prompt owner's Bearer access token or by the producer key
// (`X-Sluice-Producer-Key: <key>` or `Authorization: Bearer <key>`). Goes through the
// EventPublisher (log first, then the bus); 409 once the prompt is done.
#pragma once

namespace Sluice::Server {

class ServerContext;

void registerEventRoutes(ServerContext &ctx);

} // namespace Sluice::Server
