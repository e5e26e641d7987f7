// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/authlog.h"

namespace Sluice::Server {

Q_LOGGING_CATEGORY(lcAuth, "sluice.server.auth")
Q_LOGGING_CATEGORY(lcSecurity, "sluice.server.security")

} // namespace Sluice::Server
