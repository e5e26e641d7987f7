// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// SqliteStore: the embedded Store backend (SQLite through QtSql's QSQLITE driver).
//
// WAL journal, synchronous=FULL (a write the API acknowledged survives a crash or power loss),
// foreign keys on, 5 s busy timeout (the `user` CLI may write while the server runs).
// The queries are SqlStore's; this class opens and configures the file.
// Threading: one QSqlDatabase connection per instance, usable only from the thread that called
// open(). Another thread must open its own SqliteStore on the same file.
#pragma once

#include "store/sqlstore.h"

#include <memory>

namespace Sluice::Server {

class SqliteStore final : public SqlStore
{
public:
    // Opens (creating if needed) the database and applies pending migrations.
    static std::unique_ptr<SqliteStore> open(const QString &databasePath, QString *error = nullptr);
    // <dataDir>/sluice.db
    static QString databasePath(const QString &dataDir);

private:
    explicit SqliteStore(QSqlDatabase db);
};

} // namespace Sluice::Server
