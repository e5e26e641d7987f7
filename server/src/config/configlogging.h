#pragma once

#include <QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcConfig) // sluice.server.config
} // namespace Sluice::Server
