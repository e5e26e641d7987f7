// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Logging categories of the auth room. Never log a password, token or refresh token.
#pragma once

#include <QtCore/QLoggingCategory>

namespace Sluice::Server {

Q_DECLARE_LOGGING_CATEGORY(lcAuth) // sluice.server.auth
Q_DECLARE_LOGGING_CATEGORY(lcSecurity) // sluice.server.security: reuse, lockouts, rejected tokens

} // namespace Sluice::Server
