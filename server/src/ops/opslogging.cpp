// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "ops/opslogging.h"

namespace Sluice::Server {
Q_LOGGING_CATEGORY(lcOps, "sluice.server.ops")
} // namespace Sluice::Server
