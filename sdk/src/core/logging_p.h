// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QLoggingCategory>

namespace Sluice {
Q_DECLARE_LOGGING_CATEGORY(lcParser) // sluice.sdk.parser
Q_DECLARE_LOGGING_CATEGORY(lcEventSource) // sluice.sdk.eventsource
} // namespace Sluice
