#pragma once

#include <QLoggingCategory>

namespace Sluice::Server {
Q_DECLARE_LOGGING_CATEGORY(lcHttp) // sluice.server.http: one line per request
Q_DECLARE_LOGGING_CATEGORY(lcListener) // sluice.server.listener: connection cap, idle timeouts
} // namespace Sluice::Server
