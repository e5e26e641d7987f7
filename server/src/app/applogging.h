// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "config/serverconfig.h"

#include <QtCore/QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcApp) // sluice.server.app: startup, shutdown

// Message pattern (timestamp, category, level) and the level filter for sluice.* categories.
void configureLogging(LogLevel level);
} // namespace Sluice::Server
