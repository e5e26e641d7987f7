// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QLoggingCategory>

namespace Sluice {
Q_DECLARE_LOGGING_CATEGORY(lcParser) // sluice.sdk.parser
Q_DECLARE_LOGGING_CATEGORY(lcEventSource) // sluice.sdk.eventsource
Q_DECLARE_LOGGING_CATEGORY(lcApi) // sluice.sdk.api
Q_DECLARE_LOGGING_CATEGORY(lcAuth) // sluice.sdk.auth
Q_DECLARE_LOGGING_CATEGORY(lcTokenStore) // sluice.sdk.tokenstore
Q_DECLARE_LOGGING_CATEGORY(lcPromptStream) // sluice.sdk.promptstream
} // namespace Sluice
