// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/streamlogging.h"

namespace Sluice::Server {
Q_LOGGING_CATEGORY(lcStream, "sluice.server.stream")
} // namespace Sluice::Server
