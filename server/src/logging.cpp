// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "logging.h"

namespace Sluice::Server {
Q_LOGGING_CATEGORY(lcApp, "sluice.server.app")
Q_LOGGING_CATEGORY(lcAuth, "sluice.server.auth")
Q_LOGGING_CATEGORY(lcSecurity, "sluice.server.security")
Q_LOGGING_CATEGORY(lcConfig, "sluice.server.config")
Q_LOGGING_CATEGORY(lcDemo, "sluice.server.demo")
Q_LOGGING_CATEGORY(lcHttp, "sluice.server.http")
Q_LOGGING_CATEGORY(lcListener, "sluice.server.listener")
Q_LOGGING_CATEGORY(lcOps, "sluice.server.ops")
Q_LOGGING_CATEGORY(lcStore, "sluice.server.store")
Q_LOGGING_CATEGORY(lcStream, "sluice.server.stream")
} // namespace Sluice::Server
