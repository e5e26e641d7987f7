// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "core/logging_p.h"

namespace Sluice {
Q_LOGGING_CATEGORY(lcParser, "sluice.sdk.parser", QtWarningMsg)
Q_LOGGING_CATEGORY(lcEventSource, "sluice.sdk.eventsource", QtWarningMsg)
Q_LOGGING_CATEGORY(lcApi, "sluice.sdk.api", QtWarningMsg)
Q_LOGGING_CATEGORY(lcAuth, "sluice.sdk.auth", QtWarningMsg)
Q_LOGGING_CATEGORY(lcTokenStore, "sluice.sdk.tokenstore", QtWarningMsg)
Q_LOGGING_CATEGORY(lcPromptStream, "sluice.sdk.promptstream", QtWarningMsg)
} // namespace Sluice
