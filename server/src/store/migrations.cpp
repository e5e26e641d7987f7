// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/migrations.h"

#include "logging.h"

#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <optional>

namespace Sluice::Server {

namespace {

// Times are INTEGER milliseconds since the epoch, UTC. Ids are random 128-bit hex strings.
// PostgreSQL support arrived at version 3: its first step creates that schema whole and its
// later steps up to 3 are empty; from version 4 on every step carries both dialects.
const QList<Migration> allMigrations = {
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
      },
      {
          // rowid: SQLite's implicit row order, the tie-breaker of keyset paging; the same name
          // keeps the queries one text for both dialects. Names are unique ignoring ASCII case
          // only (SQLite's NOCASE), whatever the database's locale.
          "CREATE TABLE users ("
          " id TEXT PRIMARY KEY,"
          " name TEXT NOT NULL,"
          " password_hash BYTEA NOT NULL,"
          " created_at BIGINT NOT NULL,"
          " tokens_valid_after BIGINT NOT NULL DEFAULT 0)",
          "CREATE UNIQUE INDEX users_name ON users ("
          "translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'))",
          "CREATE TABLE refresh_tokens ("
          " id TEXT PRIMARY KEY,"
          " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
          " family_id TEXT NOT NULL,"
          " parent_id TEXT,"
          " token_hash BYTEA NOT NULL UNIQUE,"
          " created_at BIGINT NOT NULL,"
          " expires_at BIGINT NOT NULL,"
          " revoked INTEGER NOT NULL DEFAULT 0,"
          " used INTEGER NOT NULL DEFAULT 0)",
          "CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id)",
          "CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id)",
          "CREATE TABLE sessions ("
          " id TEXT PRIMARY KEY,"
          " rowid BIGSERIAL NOT NULL,"
          " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
          " title TEXT NOT NULL,"
          " created_at BIGINT NOT NULL)",
          "CREATE INDEX sessions_user ON sessions(user_id, created_at)",
          "CREATE TABLE prompts ("
          " id TEXT PRIMARY KEY,"
          " rowid BIGSERIAL NOT NULL,"
          " session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
          " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
          " text TEXT NOT NULL,"
          " status TEXT NOT NULL,"
          " created_at BIGINT NOT NULL,"
          " last_seq BIGINT NOT NULL DEFAULT 0,"
          " log_bytes BIGINT NOT NULL DEFAULT 0,"
          " finished_at BIGINT)",
          "CREATE INDEX prompts_session ON prompts(session_id, created_at)",
          "CREATE INDEX prompts_user ON prompts(user_id)",
          "CREATE INDEX prompts_finished ON prompts(finished_at) WHERE finished_at IS NOT NULL",
          "CREATE TABLE events ("
          " prompt_id TEXT NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,"
          " seq BIGINT NOT NULL,"
          " type TEXT NOT NULL,"
          " data TEXT NOT NULL,"
          " created_at BIGINT NOT NULL,"
          " PRIMARY KEY (prompt_id, seq))",
          "CREATE TABLE stream_token_uses ("
          " jti TEXT PRIMARY KEY,"
          " expires_at BIGINT NOT NULL)",
          "CREATE INDEX stream_token_uses_expiry ON stream_token_uses(expires_at)",
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
      },
      {} },
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
      },
      {} },
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

// The stored version; 0 for an empty database. Runs inside applyMigrations' transaction.
std::optional<int> readVersion(QSqlDatabase &db, SqlDialect dialect, QString *error)
{
    QSqlQuery q(db);
    const bool ok = dialect == SqlDialect::Sqlite
        ? q.exec(QStringLiteral("PRAGMA user_version"))
        : q.exec(QStringLiteral(
              "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
            && q.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
    if (!ok || !q.next()) {
        if (error)
            *error = q.lastError().text();
        return std::nullopt;
    }
    return q.value(0).toInt();
}

QString writeVersion(SqlDialect dialect, int version)
{
    return dialect == SqlDialect::Sqlite
        ? QStringLiteral("PRAGMA user_version = %1").arg(version)
        : QStringLiteral("DELETE FROM schema_version; INSERT INTO schema_version VALUES (%1)")
              .arg(version);
}

} // namespace

const QList<Migration> &migrations()
{
    return allMigrations;
}

int currentSchemaVersion()
{
    return allMigrations.constLast().version;
}

int schemaVersion(QSqlDatabase &db, SqlDialect dialect)
{
    QSqlQuery q(db);
    const bool ok = dialect == SqlDialect::Sqlite
        ? q.exec(QStringLiteral("PRAGMA user_version"))
        : q.exec(QStringLiteral("SELECT MAX(version) FROM schema_version"));
    return ok && q.next() ? q.value(0).toInt() : -1;
}

bool applyMigrations(QSqlDatabase &db, SqlDialect dialect, QString *error)
{
    // Take a lock before reading the version, so two processes starting at once (two servers, or
    // server + `user add`) cannot both apply the same step: SQLite's write lock (IMMEDIATE), a
    // PostgreSQL advisory lock held until the transaction ends.
    if (!exec(db,
              dialect == SqlDialect::Sqlite ? QStringLiteral("BEGIN IMMEDIATE")
                                            : QStringLiteral("BEGIN"),
              error))
        return false;
    auto fail = [&db] {
        QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
        return false;
    };
    if (dialect == SqlDialect::Postgres
        && !exec(db, QStringLiteral("SELECT pg_advisory_xact_lock(7336917)"), error))
        return fail();
    const std::optional<int> stored = readVersion(db, dialect, error);
    if (!stored)
        return fail();
    const int version = *stored;
    if (version > currentSchemaVersion()) {
        if (error)
            *error = QStringLiteral("database schema version %1 is newer than this server (%2)")
                         .arg(version)
                         .arg(currentSchemaVersion());
        return fail();
    }
    for (const Migration &migration : allMigrations) {
        if (migration.version <= version)
            continue;
        const QList<const char *> &statements
            = dialect == SqlDialect::Sqlite ? migration.sqlite : migration.postgres;
        for (const char *statement : statements) {
            if (!exec(db, QString::fromLatin1(statement), error))
                return fail();
        }
        if (!exec(db, writeVersion(dialect, migration.version), error))
            return fail();
        qCInfo(lcStore, "applied schema migration %d", migration.version);
    }
    if (!exec(db, QStringLiteral("COMMIT"), error))
        return fail();
    return true;
}

} // namespace Sluice::Server
