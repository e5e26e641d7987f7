// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Schema migrations of the SQLite store, versioned in code (PRAGMA user_version).
#pragma once

#include <QtCore/QList>
#include <QtCore/QString>

class QSqlDatabase;

namespace Sluice::Server {

struct Migration
{
    int version; // user_version after this step
    QList<const char *> statements;
};

// Every migration, in order; the last one's version is the current schema version.
const QList<Migration> &sqliteMigrations();
int currentSchemaVersion();

// Applies the missing migrations in ONE transaction (all or nothing). Idempotent. Fails (false +
// error) if the database was written by a newer schema than this binary knows.
bool applyMigrations(QSqlDatabase &db, QString *error);

} // namespace Sluice::Server
