// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// openStore: the one place that picks the store backend — SQLite in the data directory (the
// default), or PostgreSQL when a --database URL is given (several instances on one database).
#pragma once

#include "store/store.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <memory>

namespace Sluice::Server {

struct StoreLocation
{
    QString dataDir; // SQLite: <dataDir>/sluice.db
    QString databaseUrl; // set: postgresql://user@host:port/database
    QByteArray databasePassword; // PostgreSQL; never logged
};

std::unique_ptr<Store> openStore(const StoreLocation &location, QString *error);
// For messages: the database file or the URL (never the password).
QString describeStore(const StoreLocation &location);

} // namespace Sluice::Server
