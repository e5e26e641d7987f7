// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "config/configlogging.h"

namespace Sluice::Server {
Q_LOGGING_CATEGORY(lcConfig, "sluice.server.config")
} // namespace Sluice::Server
