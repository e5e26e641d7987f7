// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QLoggingCategory>

namespace SluiceContract {
Q_DECLARE_LOGGING_CATEGORY(lcContract) // sluice.contract
} // namespace SluiceContract
