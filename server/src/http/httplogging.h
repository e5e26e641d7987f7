// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcHttp) // sluice.server.http: one line per request
Q_DECLARE_LOGGING_CATEGORY(
    lcListener) // sluice.server.listener: caps, deadlines, accept errors, fd limit
} // namespace Sluice::Server
