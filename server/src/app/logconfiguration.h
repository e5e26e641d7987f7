// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "config/serverconfig.h"

namespace Sluice::Server {
// Message pattern (timestamp, category, level) and the level filter for sluice.* categories.
void configureLogging(LogLevel level);
} // namespace Sluice::Server
