// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "demo/demologging.h"

namespace Sluice::Server {
Q_LOGGING_CATEGORY(lcDemo, "sluice.server.demo")
} // namespace Sluice::Server
