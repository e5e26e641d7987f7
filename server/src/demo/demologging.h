// Logging category of the demo producer.
#pragma once

#include <QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcDemo)
} // namespace Sluice::Server
