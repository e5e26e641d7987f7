// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/migrations.h"

#include "logging.h"

#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

namespace Sluice::Server {

namespace {

// Times are INTEGER milliseconds since the epoch, UTC. Ids are random 128-bit hex strings.
const QList<Migration> migrations = {
    { 1,
      {
          "CREATE TABLE users ("
          " id TEXT PRIMARY KEY,"
          " name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
          " password_hash BLOB NOT NULL,"
          " created_at INTEGER NOT NULL)",
          "CREATE TABLE refresh_tokens ("
          " id TEXT PRIMARY KEY,"
          " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
          " family_id TEXT NOT NULL,"
          " parent_id TEXT,"
          " token_hash BLOB NOT NULL UNIQUE,"
          " created_at INTEGER NOT NULL,"
          " expires_at INTEGER NOT NULL,"
          " revoked INTEGER NOT NULL DEFAULT 0,"
          " used INTEGER NOT NULL DEFAULT 0)",
          "CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id)",
          "CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id)",
          "CREATE TABLE sessions ("
          " id TEXT PRIMARY KEY,"
          " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
          " title TEXT NOT NULL,"
          " created_at INTEGER NOT NULL)",
          "CREATE INDEX sessions_user ON sessions(user_id, created_at)",
          "CREATE TABLE prompts ("
          " id TEXT PRIMARY KEY,"
          " session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
          " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
          " text TEXT NOT NULL,"
          " status TEXT NOT NULL,"
          " created_at INTEGER NOT NULL,"
          " last_seq INTEGER NOT NULL DEFAULT 0)",
          "CREATE INDEX prompts_session ON prompts(session_id, created_at)",
          "CREATE TABLE events ("
          " prompt_id TEXT NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,"
          " seq INTEGER NOT NULL,"
          " type TEXT NOT NULL,"
          " data TEXT NOT NULL,"
          " created_at INTEGER NOT NULL,"
          " PRIMARY KEY (prompt_id, seq)) WITHOUT ROWID",
      } },
    // Revocation: a per-user mark (access and stream tokens issued before it, in milliseconds
    // since the epoch, are refused) and the stream tokens already used (single use, kept until
    // expiry).
    { 2,
      {
          "ALTER TABLE users ADD COLUMN tokens_valid_after INTEGER NOT NULL DEFAULT 0",
          "CREATE TABLE stream_token_uses ("
          " jti TEXT PRIMARY KEY,"
          " expires_at INTEGER NOT NULL) WITHOUT ROWID",
          "CREATE INDEX stream_token_uses_expiry ON stream_token_uses(expires_at)",
      } },
    // Abuse limits: the bytes of event data in a prompt's log (per-prompt byte quota), when it
    // finished (retention), and the per-user prompt count (quota) by index. Existing logs are
    // measured and existing done prompts get their last event's time.
    { 3,
      {
          "ALTER TABLE prompts ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0",
          "ALTER TABLE prompts ADD COLUMN finished_at INTEGER",
          "UPDATE prompts SET log_bytes = (SELECT COALESCE(SUM(LENGTH(CAST(data AS BLOB))), 0) "
          "FROM events WHERE events.prompt_id = prompts.id)",
          "UPDATE prompts SET finished_at = COALESCE((SELECT MAX(created_at) FROM events WHERE "
          "events.prompt_id = prompts.id), created_at) WHERE status = 'done'",
          "CREATE INDEX prompts_user ON prompts(user_id)",
          "CREATE INDEX prompts_finished ON prompts(finished_at) WHERE finished_at IS NOT NULL",
      } },
};

bool exec(QSqlDatabase &db, const QString &sql, QString *error)
{
    QSqlQuery query(db);
    if (!query.exec(sql)) {
        if (error)
            *error = query.lastError().text();
        return false;
    }
    return true;
}

} // namespace

const QList<Migration> &sqliteMigrations()
{
    return migrations;
}

int currentSchemaVersion()
{
    return migrations.constLast().version;
}

bool applyMigrations(QSqlDatabase &db, QString *error)
{
    // IMMEDIATE: take the write lock before reading the version, so two processes starting at once
    // (server + `user add`) cannot both apply the same step.
    if (!exec(db, QStringLiteral("BEGIN IMMEDIATE"), error))
        return false;
    auto fail = [&db] {
        QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
        return false;
    };
    QSqlQuery versionQuery(db);
    if (!versionQuery.exec(QStringLiteral("PRAGMA user_version")) || !versionQuery.next()) {
        if (error)
            *error = versionQuery.lastError().text();
        return fail();
    }
    const int version = versionQuery.value(0).toInt();
    versionQuery.finish();
    if (version > currentSchemaVersion()) {
        if (error)
            *error = QStringLiteral("database schema version %1 is newer than this server (%2)")
                         .arg(version)
                         .arg(currentSchemaVersion());
        return fail();
    }
    for (const Migration &migration : migrations) {
        if (migration.version <= version)
            continue;
        for (const char *statement : migration.statements) {
            if (!exec(db, QString::fromLatin1(statement), error))
                return fail();
        }
        if (!exec(db, QStringLiteral("PRAGMA user_version = %1").arg(migration.version), error))
            return fail();
        qCInfo(lcStore, "applied schema migration %d", migration.version);
    }
    if (!exec(db, QStringLiteral("COMMIT"), error))
        return fail();
    return true;
}

} // namespace Sluice::Server
