// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Logging category of the store room.
#pragma once

#include <QtCore/QLoggingCategory>

namespace Sluice::Server {

Q_DECLARE_LOGGING_CATEGORY(lcStore) // sluice.server.store

} // namespace Sluice::Server
