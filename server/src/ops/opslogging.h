// Logging categories of the operations room (caps, producer key, prompt lifecycle).
#pragma once

#include <QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcOps)
} // namespace Sluice::Server
