// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "contractlog.h"

namespace SluiceContract {
Q_LOGGING_CATEGORY(lcContract, "sluice.contract", QtInfoMsg)
} // namespace SluiceContract
