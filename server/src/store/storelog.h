// Logging category of the store room.
#pragma once

#include <QLoggingCategory>

namespace Sluice::Server {

Q_DECLARE_LOGGING_CATEGORY(lcStore) // sluice.server.store

} // namespace Sluice::Server
