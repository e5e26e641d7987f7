// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/storelog.h"

namespace Sluice::Server {

Q_LOGGING_CATEGORY(lcStore, "sluice.server.store")

} // namespace Sluice::Server
