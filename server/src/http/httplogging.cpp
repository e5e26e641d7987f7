// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/httplogging.h"

namespace Sluice::Server {
Q_LOGGING_CATEGORY(lcHttp, "sluice.server.http")
Q_LOGGING_CATEGORY(lcListener, "sluice.server.listener")
} // namespace Sluice::Server
