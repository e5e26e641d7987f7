// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Logging category of the demo producer.
#pragma once

#include <QtCore/QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcDemo)
} // namespace Sluice::Server
