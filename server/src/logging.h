// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The server's logging categories, all in one place (sluice.server.*). Levels are set by
// --log-level (app/logconfiguration.h); secrets are never logged in any of them.
#pragma once

#include <QtCore/QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcApp) // sluice.server.app: startup, shutdown
Q_DECLARE_LOGGING_CATEGORY(lcAuth) // sluice.server.auth: sign-ins, refreshes, logouts
Q_DECLARE_LOGGING_CATEGORY(lcSecurity) // sluice.server.security: reuse, lockouts, rejected tokens
Q_DECLARE_LOGGING_CATEGORY(lcConfig) // sluice.server.config: keys, configuration warnings
Q_DECLARE_LOGGING_CATEGORY(lcDemo) // sluice.server.demo: the demo producer
Q_DECLARE_LOGGING_CATEGORY(lcHttp) // sluice.server.http: one line per request
Q_DECLARE_LOGGING_CATEGORY(lcListener) // sluice.server.listener: caps, deadlines, accept errors
Q_DECLARE_LOGGING_CATEGORY(lcOps) // sluice.server.ops: caps, producer key
Q_DECLARE_LOGGING_CATEGORY(lcStore) // sluice.server.store: the database
Q_DECLARE_LOGGING_CATEGORY(lcStream) // sluice.server.stream: SSE streams, replay, publishing
} // namespace Sluice::Server
