// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Logging categories of the operations room (caps, producer key, prompt lifecycle).
#pragma once

#include <QtCore/QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcOps)
} // namespace Sluice::Server
