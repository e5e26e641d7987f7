// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "core/logging_p.h"

namespace Sluice {
Q_LOGGING_CATEGORY(lcParser, "sluice.sdk.parser", QtWarningMsg)
Q_LOGGING_CATEGORY(lcEventSource, "sluice.sdk.eventsource", QtWarningMsg)
} // namespace Sluice
