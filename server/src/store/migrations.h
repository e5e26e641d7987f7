// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Schema migrations of both store backends, versioned in code: one list of steps, each with its
// SQLite and its PostgreSQL statements, so a schema change is written once for both.
#pragma once

#include <QtCore/QList>
#include <QtCore/QString>

class QSqlDatabase;

namespace Sluice::Server {

enum class SqlDialect {
    Sqlite, // version in PRAGMA user_version
    Postgres, // version in the table schema_version
};

struct Migration
{
    int version; // schema version after this step
    QList<const char *> sqlite;
    QList<const char *> postgres;
};

// Every migration, in order; the last one's version is the current schema version.
const QList<Migration> &migrations();
int currentSchemaVersion();

// Applies the missing migrations in ONE transaction (all or nothing), serialised against other
// processes doing the same. Idempotent. Fails (false + error) if the database was written by a
// newer schema than this binary knows.
bool applyMigrations(QSqlDatabase &db, SqlDialect dialect, QString *error);
// The database's schema version, -1 on error.
int schemaVersion(QSqlDatabase &db, SqlDialect dialect);

} // namespace Sluice::Server
