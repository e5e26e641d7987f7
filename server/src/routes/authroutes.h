// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The /api/auth/* routes: login, refresh (rotation), logout.
#pragma once

class QHttpServer;

namespace Sluice::Server {

class ServerContext;

void registerAuthRoutes(QHttpServer &server, ServerContext &ctx);

} // namespace Sluice::Server
