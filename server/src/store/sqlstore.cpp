// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/sqlstore.h"

#include "logging.h"
#include "store/migrations.h"
#include "store/randomid.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QVariant>
#include <QtCore/QtGlobal>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace Sluice::Server {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QDateTime fromMs(const QVariant &value)
{
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

bool execRaw(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (query.exec(sql))
        return true;
    qCWarning(lcStore) << sql << "failed:" << query.lastError().text();
    return false;
}

UserRecord userFrom(const QSqlQuery &q)
{
    return { q.value(0).toString(), q.value(1).toString(), q.value(2).toByteArray(),
             fromMs(q.value(3)), fromMs(q.value(4)) };
}

// "?, ?, ?" for an IN list of n values.
QString placeholders(qsizetype n)
{
    QString text;
    for (qsizetype i = 0; i < n; ++i)
        text += i == 0 ? QStringLiteral("?") : QStringLiteral(", ?");
    return text;
}

// SQLite allows 999 bound values per statement by default: larger sets go in slices.
constexpr qsizetype maxBoundValues = 500;

// How many rows `selectOne` ("SELECT 1 FROM ... WHERE x = ?") finds, counting no further than
// `upTo` (a quota check needs no more, and stops early on a large table). nullopt on error.
std::optional<qint64> countUpTo(const QSqlDatabase &db, const char *selectOne, const QString &value,
                                qint64 upTo)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM (%1 LIMIT ?) AS counted")
                  .arg(QLatin1String(selectOne)));
    q.addBindValue(value);
    q.addBindValue(upTo);
    if (!q.exec() || !q.next()) {
        qCWarning(lcStore) << "query failed:" << q.lastError().text();
        return std::nullopt;
    }
    return q.value(0).toLongLong();
}

SessionRecord sessionFrom(const QSqlQuery &q)
{
    return { q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
             fromMs(q.value(3)) };
}

PromptRecord promptFrom(const QSqlQuery &q)
{
    return { q.value(0).toString(),
             q.value(1).toString(),
             q.value(2).toString(),
             q.value(3).toString(),
             parsePromptStatus(q.value(4).toString()).value_or(PromptStatus::Failed),
             fromMs(q.value(5)) };
}

// Keyset paging: `s` selects the records in page order with (created_at, rowid) in columns
// keyColumn and keyColumn + 1, its remaining binds being the key to start after (when there is
// one) and the row limit. One row more than the page is asked for: its presence says whether a
// next page exists. `Query` is SqlStore::Statement.
template<typename Record, typename Query>
Page<Record> readPage(Query &s, std::optional<PageKey> after, int limit, int keyColumn,
                      Record (*from)(const QSqlQuery &))
{
    Page<Record> page;
    const int size = qMax(1, limit);
    if (after)
        s.bind(after->createdAtMs).bind(after->rowId);
    if (!s.bind(size + 1).exec())
        return page;
    PageKey last;
    while (s.query.next()) {
        if (page.records.size() == size) {
            page.next = last;
            break;
        }
        page.records.append(from(s.query));
        last = { s.query.value(keyColumn).toLongLong(), s.query.value(keyColumn + 1).toLongLong() };
    }
    return page;
}

RefreshTokenRecord refreshFrom(const QSqlQuery &q)
{
    RefreshTokenRecord r;
    r.id = q.value(0).toString();
    r.userId = q.value(1).toString();
    r.familyId = q.value(2).toString();
    r.parentId = q.value(3).toString();
    r.tokenHash = q.value(4).toByteArray();
    r.createdAt = fromMs(q.value(5));
    r.expiresAt = fromMs(q.value(6));
    r.revoked = q.value(7).toBool();
    r.used = q.value(8).toBool();
    return r;
}

constexpr const char *userColumns
    = "SELECT id, name, password_hash, created_at, tokens_valid_after FROM users ";
constexpr const char *refreshColumns = "SELECT id, user_id, family_id, parent_id, token_hash, "
                                       "created_at, expires_at, revoked, used FROM refresh_tokens ";

} // namespace

// A prepared statement that logs its failure (never its bound values) and, outside a
// transaction, survives a lost connection where runAgain() allows. Its prepared query comes from
// the store's pool and goes back to it (see SqlStore::takePrepared).
struct SqlStore::Statement
{
    SqlStore &store;
    QString sql;
    QSqlQuery query;
    quint64 generation = 0; // the pool's when the query was prepared (forgetPreparedStatements)
    bool prepared = false;
    int bound = 0;

    Statement(SqlStore &owner, const char *text)
        : Statement(owner, QString::fromLatin1(text))
    { }
    Statement(SqlStore &owner, QString text)
        : store(owner)
        , sql(std::move(text))
    {
        // db() first: it reconnects a dropped connection (outside a transaction), which empties
        // the pool, so a query from it is one of the open connection's.
        QSqlDatabase &db = owner.db();
        query = owner.takePrepared(sql);
        generation = owner.m_poolGeneration;
        prepared = !query.lastQuery().isEmpty(); // a pooled one is
        if (!prepared) {
            query = QSqlQuery(db);
            query.setForwardOnly(true);
            prepared = track(store.prepare(query, sql));
        }
    }
    ~Statement() { store.givePrepared(sql, std::move(query), prepared, generation); }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    // Positional, so a pooled query's values from its last use are replaced, never added to.
    Statement &bind(const QVariant &value)
    {
        query.bindValue(bound++, value);
        return *this;
    }
    bool exec() { return prepared && track(store.execute(query, sql, true)); }

private:
    // A call that reconnected and succeeded left a query prepared on the new connection.
    bool track(bool ok)
    {
        if (ok && generation != store.m_poolGeneration)
            generation = store.m_poolGeneration;
        return ok;
    }
};

// BEGIN ... COMMIT, rolled back unless commit() succeeded. Counts the store's open transactions
// (no reconnect, no retry inside one).
class SqlStore::Transaction
{
public:
    explicit Transaction(SqlStore &store)
        : m_store(store)
        , m_active(store.begin())
    {
        ++m_store.m_transactionDepth;
    }
    ~Transaction()
    {
        if (m_active)
            rollback();
        --m_store.m_transactionDepth;
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    bool active() const { return m_active; }
    bool commit()
    {
        if (!m_active)
            return false;
        m_active = false;
        if (execRaw(m_store.m_db, QStringLiteral("COMMIT")))
            return true;
        rollback();
        return false;
    }

private:
    void rollback()
    {
        execRaw(m_store.m_db, QStringLiteral("ROLLBACK"));
        // QPSQL deallocates a query's server-side prepared statement when the query dies, which a
        // failed PostgreSQL transaction refuses: those of the failed transaction would stay on
        // the connection for ever. So all go: the pool's first (deallocated one by one, now that
        // the transaction is over), then the rest at once.
        if (m_store.m_dialect == SqlDialect::Postgres) {
            m_store.forgetPreparedStatements(ConnectionState::Alive);
            execRaw(m_store.m_db, QStringLiteral("DEALLOCATE ALL"));
        }
    }

    SqlStore &m_store;
    bool m_active;
};

SqlStore::SqlStore(QSqlDatabase db, SqlDialect dialect)
    : m_db(std::move(db))
    , m_dialect(dialect)
    , m_connectionName(m_db.connectionName())
{ }

SqlStore::~SqlStore()
{
    m_preparedPool.clear(); // queries before their connection
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

int SqlStore::schemaVersion()
{
    return Server::schemaVersion(db(), m_dialect);
}

bool SqlStore::ping()
{
    Statement s(*this, "SELECT 1"); // reconnects a dropped connection first
    return s.exec() && s.query.next();
}

QSqlDatabase &SqlStore::db()
{
    if (m_transactionDepth == 0)
        ensureConnected();
    return m_db;
}

// Statements that met a lost connection. A PostgreSQL restart or failover closes every
// connection, and the store learns of it only when its next statement fails on the dead one; that
// request should not fail when the database is back. Such a statement runs once more, on a new
// connection, only where running it twice can do no harm:
//  - never inside a transaction: what it did so far died with the connection (the server rolled
//    it back), so only the caller can start over; it answers 503 and rolls back, as before;
//  - a statement whose PREPARE failed (QPSQL prepares on the server, first): it never ran, and
//    the failure was certainly before execution, whatever the statement is. This is the case
//    after a restart, as every statement is prepared before it runs;
//  - a direct BEGIN: it opens a transaction and changes nothing;
//  - a statement that failed while it EXECUTED only when it is a read (SELECT): the connection
//    may have dropped after the server ran it, and a write run again could apply twice (an
//    INSERT of a new id) or report the wrong outcome (a DELETE finding its row gone, a stream
//    token's first use seen as a replay). Such a write fails (503) as before.
// Whether the connection was lost, rather than the statement refused (a constraint, a lock
// timeout), the backend says (reopenLostConnection); SQLite never loses its file.
bool SqlStore::runAgain(const QString &sql, Stage failedAt, const QSqlError &error)
{
    if (m_transactionDepth > 0)
        return false;
    if (failedAt == Stage::Execute) {
        const QString verb = sql.trimmed().section(QLatin1Char(' '), 0, 0).toUpper();
        if (verb != u"SELECT" && verb != u"BEGIN")
            return false;
    }
    if (!reopenLostConnection(error))
        return false;
    qCInfo(lcStore, "the database connection was lost: the statement runs again on a new one");
    return true;
}

// Parsing and planning every statement again on every call was a quarter of the server's CPU in
// a saturated SQLite publish profile (sqlite3_prepare), and on PostgreSQL three round trips per
// statement instead of one (QPSQL sends PREPARE, EXECUTE and, when the query dies, DEALLOCATE):
// appends to one prompt lagged by seconds at 1 000 events/s. So each SQL text's prepared query is
// kept once used. SQLite keeps a prepared statement valid across schema changes (it re-prepares
// by itself); PostgreSQL's die with their connection and with DEALLOCATE ALL, so the pool is
// emptied then, and a query taken out before that is not taken back (generation).
QSqlQuery SqlStore::takePrepared(const QString &sql)
{
    const auto it = m_preparedPool.find(sql);
    if (it == m_preparedPool.end() || it->empty())
        return QSqlQuery();
    QSqlQuery query = std::move(it->back());
    it->pop_back();
    return query;
}

void SqlStore::givePrepared(const QString &sql, QSqlQuery &&query, bool prepared,
                            quint64 generation)
{
    if (!prepared || generation != m_poolGeneration) {
        discardDeadQuery(std::move(query));
        return;
    }
    // finish(): a query left positioned on its results would hold SQLite's read snapshot (and
    // keep the WAL from being checkpointed) until its next use.
    query.finish();
    std::vector<QSqlQuery> &free = m_preparedPool[sql];
    // A few per text are enough: more than that are alive together only in nested calls.
    if (free.size() < 4)
        free.push_back(std::move(query));
}

namespace {
QtMessageHandler forwardedHandler = nullptr;

void dropFreeStatementWarnings(QtMsgType type, const QMessageLogContext &context,
                               const QString &message)
{
    if (type == QtWarningMsg && message.startsWith(u"Unable to free statement"))
        return;
    if (forwardedHandler)
        forwardedHandler(type, context, message);
}

// QPSQL deallocates a dying query's server-side statement and warns when that fails, as it must
// for one that died with its connection or with DEALLOCATE ALL: nothing is left to free.
template<typename Destroy> void withoutFreeStatementWarnings(Destroy &&destroy)
{
    forwardedHandler = qInstallMessageHandler(dropFreeStatementWarnings);
    destroy();
    qInstallMessageHandler(forwardedHandler);
}
} // namespace

void SqlStore::discardDeadQuery(QSqlQuery &&query)
{
    if (m_dialect != SqlDialect::Postgres)
        return; // destroyed on return; SQLite finalizes without a word
    withoutFreeStatementWarnings([dead = std::move(query)]() mutable { dead = QSqlQuery(); });
}

void SqlStore::forgetPreparedStatements(ConnectionState state)
{
    ++m_poolGeneration;
    QHash<QString, std::vector<QSqlQuery>> pool;
    pool.swap(m_preparedPool);
    if (state == ConnectionState::Alive)
        pool.clear(); // each deallocates its statement on a connection that can still do it
    else
        withoutFreeStatementWarnings([&pool] { pool.clear(); });
}

bool SqlStore::prepare(QSqlQuery &query, const QString &sql)
{
    if (query.prepare(sql))
        return true;
    if (runAgain(sql, Stage::Prepare, query.lastError())) {
        QSqlQuery fresh(m_db);
        fresh.setForwardOnly(query.isForwardOnly());
        discardDeadQuery(std::exchange(query, std::move(fresh)));
        if (query.prepare(sql))
            return true;
    }
    qCWarning(lcStore) << "prepare failed:" << query.lastError().text();
    return false;
}

bool SqlStore::execute(QSqlQuery &query, const QString &sql, bool prepared)
{
    if (prepared ? query.exec() : query.exec(sql))
        return true;
    if (runAgain(sql, Stage::Execute, query.lastError())) {
        QSqlQuery again(m_db);
        again.setForwardOnly(query.isForwardOnly());
        bool ok = true;
        if (prepared) {
            ok = again.prepare(sql);
            const QVariantList values = query.boundValues();
            for (const QVariant &value : values)
                again.addBindValue(value);
        }
        ok = ok && (prepared ? again.exec() : again.exec(sql));
        discardDeadQuery(std::exchange(query, std::move(again)));
        if (ok)
            return true;
    }
    if (prepared)
        qCWarning(lcStore) << "query failed:" << query.lastError().text();
    else
        qCWarning(lcStore) << sql << "failed:" << query.lastError().text();
    return false;
}

bool SqlStore::begin()
{
    const QString sql = m_dialect == SqlDialect::Sqlite ? QStringLiteral("BEGIN IMMEDIATE")
                                                        : QStringLiteral("BEGIN");
    QSqlQuery query(db());
    return execute(query, sql, false);
}

QLatin1String SqlStore::forUpdate() const
{
    return m_dialect == SqlDialect::Sqlite ? QLatin1String("") : QLatin1String(" FOR UPDATE");
}

bool SqlStore::lockUser(const QString &userId)
{
    if (m_dialect == SqlDialect::Sqlite)
        return true;
    Statement lock(*this, "SELECT 1 FROM users WHERE id = ? FOR UPDATE");
    return lock.bind(userId).exec();
}

SqlStore::QuotaRoom SqlStore::roomUnderQuota(const QString &userId, const char *selectOne,
                                             qint64 maxPerUser)
{
    if (maxPerUser <= 0)
        return QuotaRoom::Room;
    if (!lockUser(userId))
        return QuotaRoom::Failed;
    const auto owned = countUpTo(db(), selectOne, userId, maxPerUser);
    if (!owned)
        return QuotaRoom::Failed;
    return *owned >= maxPerUser ? QuotaRoom::Full : QuotaRoom::Room;
}

QLatin1String SqlStore::nameKey() const
{
    // Matches the unique index users_name of the PostgreSQL schema (store/migrations.cpp).
    return m_dialect == SqlDialect::Sqlite
        ? QLatin1String("name")
        : QLatin1String("translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
                        "'abcdefghijklmnopqrstuvwxyz')");
}

// --- sessions and prompts ---

std::optional<SessionRecord> SqlStore::createSession(const QString &userId, const QString &title)
{
    SessionInsert inserted = createSessionWithin(userId, title, 0);
    if (inserted.outcome != QuotaInsert::Inserted)
        return std::nullopt;
    return std::move(inserted.record);
}

SessionInsert SqlStore::createSessionWithin(const QString &userId, const QString &title,
                                            qint64 maxPerUser)
{
    SessionInsert result;
    // BEGIN IMMEDIATE: the count and the insert see the same table, so concurrent creations
    // cannot both pass a quota that has room for one.
    Transaction tx(*this);
    if (!tx.active())
        return result;
    switch (roomUnderQuota(userId, "SELECT 1 FROM sessions WHERE user_id = ?", maxPerUser)) {
    case QuotaRoom::Failed:
        return result;
    case QuotaRoom::Full:
        result.outcome = QuotaInsert::OverQuota;
        return result;
    case QuotaRoom::Room:
        break;
    }
    SessionRecord record { newRandomId(), userId, title,
                           QDateTime::fromMSecsSinceEpoch(nowMs(), Qt::UTC) };
    Statement s(*this, "INSERT INTO sessions (id, user_id, title, created_at) VALUES (?, ?, ?, ?)");
    if (!s.bind(record.id)
             .bind(userId)
             .bind(title)
             .bind(record.createdAt.toMSecsSinceEpoch())
             .exec()
        || !tx.commit())
        return result; // an unknown user fails the foreign key
    result.outcome = QuotaInsert::Inserted;
    result.record = std::move(record);
    return result;
}

std::optional<SessionRecord> SqlStore::session(const QString &sessionId)
{
    Statement s(*this, "SELECT id, user_id, title, created_at FROM sessions WHERE id = ?");
    if (!s.bind(sessionId).exec() || !s.query.next())
        return std::nullopt;
    return sessionFrom(s.query);
}

QList<SessionRecord> SqlStore::sessionsForUser(const QString &userId)
{
    QList<SessionRecord> out;
    Statement s(*this,
                "SELECT id, user_id, title, created_at FROM sessions WHERE user_id = ? "
                "ORDER BY created_at DESC, rowid DESC");
    if (!s.bind(userId).exec())
        return out;
    while (s.query.next())
        out.append(sessionFrom(s.query));
    return out;
}

std::optional<PromptRecord> SqlStore::createPrompt(const QString &sessionId, const QString &text)
{
    PromptInsert inserted = createPromptWithin(sessionId, text, 0);
    if (inserted.outcome != QuotaInsert::Inserted)
        return std::nullopt;
    return std::move(inserted.record);
}

PromptInsert SqlStore::createPromptWithin(const QString &sessionId, const QString &text,
                                          qint64 maxPerUser)
{
    PromptInsert result;
    Transaction tx(*this);
    if (!tx.active())
        return result;
    Statement owner(*this, "SELECT user_id FROM sessions WHERE id = ?");
    if (!owner.bind(sessionId).exec())
        return result;
    if (!owner.query.next()) {
        result.outcome = QuotaInsert::NoSuchParent;
        return result;
    }
    PromptRecord record { newRandomId(),
                          sessionId,
                          owner.query.value(0).toString(),
                          text,
                          PromptStatus::Pending,
                          QDateTime::fromMSecsSinceEpoch(nowMs(), Qt::UTC) };
    owner.query.finish();
    switch (roomUnderQuota(record.userId, "SELECT 1 FROM prompts WHERE user_id = ?", maxPerUser)) {
    case QuotaRoom::Failed:
        return result;
    case QuotaRoom::Full:
        result.outcome = QuotaInsert::OverQuota;
        return result;
    case QuotaRoom::Room:
        break;
    }
    Statement s(*this,
                "INSERT INTO prompts (id, session_id, user_id, text, status, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)");
    if (!s.bind(record.id)
             .bind(sessionId)
             .bind(record.userId)
             .bind(text)
             .bind(promptStatusName(record.status))
             .bind(record.createdAt.toMSecsSinceEpoch())
             .exec()
        || !tx.commit())
        return result;
    result.outcome = QuotaInsert::Inserted;
    result.record = std::move(record);
    return result;
}

std::optional<PromptRecord> SqlStore::prompt(const QString &promptId)
{
    Statement s(*this,
                "SELECT id, session_id, user_id, text, status, created_at FROM prompts "
                "WHERE id = ?");
    if (!s.bind(promptId).exec() || !s.query.next())
        return std::nullopt;
    return promptFrom(s.query);
}

QList<PromptRecord> SqlStore::promptsForSession(const QString &sessionId)
{
    QList<PromptRecord> out;
    Statement s(*this,
                "SELECT id, session_id, user_id, text, status, created_at FROM prompts "
                "WHERE session_id = ? ORDER BY created_at ASC, rowid ASC");
    if (!s.bind(sessionId).exec())
        return out;
    while (s.query.next())
        out.append(promptFrom(s.query));
    return out;
}

bool SqlStore::setPromptStatus(const QString &promptId, PromptStatus status)
{
    // finished_at: when the prompt first became done (retention counts from it).
    Statement s(*this,
                "UPDATE prompts SET status = ?, finished_at = CASE WHEN ? = 'done' THEN "
                "COALESCE(finished_at, ?) ELSE finished_at END WHERE id = ?");
    const QString name = promptStatusName(status);
    return s.bind(name).bind(name).bind(nowMs()).bind(promptId).exec()
        && s.query.numRowsAffected() == 1;
}

Page<SessionRecord> SqlStore::sessionPage(const QString &userId, std::optional<PageKey> after,
                                          int limit)
{
    Statement s(*this,
                after ? "SELECT id, user_id, title, created_at, rowid FROM sessions WHERE "
                        "user_id = ? AND (created_at, rowid) < (?, ?) "
                        "ORDER BY created_at DESC, rowid DESC LIMIT ?"
                      : "SELECT id, user_id, title, created_at, rowid FROM sessions WHERE "
                        "user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?");
    s.bind(userId);
    return readPage<SessionRecord>(s, after, limit, 3, sessionFrom);
}

Page<PromptRecord> SqlStore::promptPage(const QString &sessionId, std::optional<PageKey> after,
                                        int limit)
{
    Statement s(*this,
                after ? "SELECT id, session_id, user_id, text, status, created_at, rowid FROM "
                        "prompts WHERE session_id = ? AND (created_at, rowid) > (?, ?) "
                        "ORDER BY created_at ASC, rowid ASC LIMIT ?"
                      : "SELECT id, session_id, user_id, text, status, created_at, rowid FROM "
                        "prompts WHERE session_id = ? ORDER BY created_at ASC, rowid ASC LIMIT ?");
    s.bind(sessionId);
    return readPage<PromptRecord>(s, after, limit, 5, promptFrom);
}

int SqlStore::deleteFinishedPrompts(const QDateTime &cutoff, int batch)
{
    // The events go with their prompt (ON DELETE CASCADE), in the same statement.
    Statement s(*this,
                "DELETE FROM prompts WHERE rowid IN (SELECT rowid FROM prompts WHERE "
                "finished_at < ? AND status = 'done' LIMIT ?)");
    if (!s.bind(cutoff.toMSecsSinceEpoch()).bind(qMax(1, batch)).exec())
        return -1;
    return s.query.numRowsAffected();
}

// --- users ---

std::optional<UserRecord> SqlStore::createUser(const QString &name, const QByteArray &passwordHash)
{
    UserRecord record { newRandomId(), name, passwordHash,
                        QDateTime::fromMSecsSinceEpoch(nowMs(), Qt::UTC),
                        QDateTime::fromSecsSinceEpoch(0, Qt::UTC) };
    Statement s(*this,
                "INSERT INTO users (id, name, password_hash, created_at) VALUES (?, ?, ?, ?)");
    if (!s.bind(record.id)
             .bind(name)
             .bind(passwordHash)
             .bind(record.createdAt.toMSecsSinceEpoch())
             .exec())
        return std::nullopt;
    return record;
}

std::optional<UserRecord> SqlStore::user(const QString &userId)
{
    Statement s(*this, QLatin1String(userColumns) + QLatin1String("WHERE id = ?"));
    if (!s.bind(userId).exec() || !s.query.next())
        return std::nullopt;
    return userFrom(s.query);
}

std::optional<UserRecord> SqlStore::userByName(const QString &name)
{
    Statement s(*this,
                QLatin1String(userColumns) + QLatin1String("WHERE ") + nameKey()
                    + (m_dialect == SqlDialect::Sqlite
                           ? QLatin1String(" = ?")
                           : QLatin1String(" = translate(?, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
                                           "'abcdefghijklmnopqrstuvwxyz')")));
    if (!s.bind(name).exec() || !s.query.next())
        return std::nullopt;
    return userFrom(s.query);
}

QList<UserRecord> SqlStore::users()
{
    QList<UserRecord> out;
    Statement s(*this, QLatin1String(userColumns) + QLatin1String("ORDER BY ") + nameKey());
    if (!s.exec())
        return out;
    while (s.query.next())
        out.append(userFrom(s.query));
    return out;
}

bool SqlStore::setPasswordHash(const QString &userId, const QByteArray &passwordHash)
{
    Statement s(*this, "UPDATE users SET password_hash = ? WHERE id = ?");
    return s.bind(passwordHash).bind(userId).exec() && s.query.numRowsAffected() == 1;
}

bool SqlStore::changePassword(const QString &userId, const QByteArray &passwordHash,
                              const QDateTime &when)
{
    // The three single-purpose updates, in one transaction (~Transaction rolls back on failure).
    Transaction tx(*this);
    return tx.active() && setPasswordHash(userId, passwordHash)
        && invalidateTokensIssuedBefore(userId, when) && revokeRefreshTokensForUser(userId)
        && tx.commit();
}

bool SqlStore::removeUser(const QString &userId)
{
    Statement s(*this, "DELETE FROM users WHERE id = ?");
    return s.bind(userId).exec() && s.query.numRowsAffected() == 1;
}

bool SqlStore::invalidateTokensIssuedBefore(const QString &userId, const QDateTime &when)
{
    Statement s(*this,
                "UPDATE users SET tokens_valid_after = CASE WHEN tokens_valid_after < ? THEN ? "
                "ELSE tokens_valid_after END WHERE id = ?");
    return s.bind(when.toMSecsSinceEpoch()).bind(when.toMSecsSinceEpoch()).bind(userId).exec()
        && s.query.numRowsAffected() == 1;
}

std::optional<QHash<QString, QDateTime>> SqlStore::tokenMarks(const QStringList &userIds)
{
    QHash<QString, QDateTime> marks;
    for (qsizetype start = 0; start < userIds.size(); start += maxBoundValues) {
        const QStringList slice = userIds.mid(start, maxBoundValues);
        Statement s(*this,
                    QStringLiteral("SELECT id, tokens_valid_after FROM users WHERE id IN (%1)")
                        .arg(placeholders(slice.size())));
        for (const QString &id : slice)
            s.bind(id);
        if (!s.exec())
            return std::nullopt;
        while (s.query.next())
            marks.insert(s.query.value(0).toString(), fromMs(s.query.value(1)));
    }
    return marks;
}

// --- refresh tokens ---

std::optional<RefreshTokenRecord> SqlStore::insertRefreshToken(const QString &userId,
                                                               const QByteArray &tokenHash,
                                                               const QDateTime &expiresAt)
{
    RefreshTokenRecord r;
    r.id = newRandomId();
    r.userId = userId;
    r.familyId = newRandomId();
    r.tokenHash = tokenHash;
    r.createdAt = QDateTime::fromMSecsSinceEpoch(nowMs(), Qt::UTC);
    r.expiresAt = expiresAt;
    Statement s(*this,
                "INSERT INTO refresh_tokens (id, user_id, family_id, parent_id, token_hash, "
                "created_at, expires_at) VALUES (?, ?, ?, NULL, ?, ?, ?)");
    if (!s.bind(r.id)
             .bind(userId)
             .bind(r.familyId)
             .bind(tokenHash)
             .bind(r.createdAt.toMSecsSinceEpoch())
             .bind(expiresAt.toMSecsSinceEpoch())
             .exec())
        return std::nullopt;
    return r;
}

RefreshRotationResult SqlStore::rotateRefreshToken(const QByteArray &presentedHash,
                                                   const QByteArray &successorHash,
                                                   const QDateTime &successorExpiresAt,
                                                   const QDateTime &now)
{
    RefreshRotationResult result;
    Transaction tx(*this);
    if (!tx.active())
        return result;
    // Locked: a concurrent rotation of the same token waits, then sees it used (reuse).
    Statement find(
        *this, QLatin1String(refreshColumns) + QLatin1String("WHERE token_hash = ?") + forUpdate());
    if (!find.bind(presentedHash).exec())
        return result;
    if (!find.query.next()) {
        result.outcome = RefreshRotation::NotFound;
        return result;
    }
    const RefreshTokenRecord current = refreshFrom(find.query);
    find.query.finish();
    result.userId = current.userId;
    result.familyId = current.familyId;
    if (current.revoked) {
        result.outcome = RefreshRotation::Revoked;
        return result;
    }
    if (current.used) {
        // Reuse of a rotated token: someone holds a copy. Kill the whole family, new tokens too.
        Statement revoke(*this, "UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?");
        if (!revoke.bind(current.familyId).exec() || !tx.commit())
            return result; // Failed
        result.outcome = RefreshRotation::Reused;
        return result;
    }
    if (current.expiresAt <= now) {
        result.outcome = RefreshRotation::Expired;
        return result;
    }
    Statement markUsed(*this,
                       "UPDATE refresh_tokens SET used = 1 WHERE id = ? AND used = 0 "
                       "AND revoked = 0");
    if (!markUsed.bind(current.id).exec() || markUsed.query.numRowsAffected() != 1)
        return result;
    Statement insert(*this,
                     "INSERT INTO refresh_tokens (id, user_id, family_id, parent_id, "
                     "token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!insert.bind(newRandomId())
             .bind(current.userId)
             .bind(current.familyId)
             .bind(current.id)
             .bind(successorHash)
             .bind(nowMs())
             .bind(successorExpiresAt.toMSecsSinceEpoch())
             .exec()
        || !tx.commit())
        return result;
    result.outcome = RefreshRotation::Rotated;
    return result;
}

std::optional<RefreshTokenRecord> SqlStore::refreshToken(const QByteArray &tokenHash)
{
    Statement s(*this, QLatin1String(refreshColumns) + QLatin1String("WHERE token_hash = ?"));
    if (!s.bind(tokenHash).exec() || !s.query.next())
        return std::nullopt;
    return refreshFrom(s.query);
}

bool SqlStore::revokeRefreshFamily(const QString &familyId)
{
    Statement s(*this, "UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?");
    return s.bind(familyId).exec();
}

std::optional<QSet<QString>> SqlStore::deadRefreshFamilies(const QStringList &familyIds)
{
    QSet<QString> alive;
    QSet<QString> dead;
    for (qsizetype start = 0; start < familyIds.size(); start += maxBoundValues) {
        const QStringList slice = familyIds.mid(start, maxBoundValues);
        Statement s(*this,
                    QStringLiteral("SELECT family_id, MAX(revoked) FROM refresh_tokens"
                                   " WHERE family_id IN (%1) GROUP BY family_id")
                        .arg(placeholders(slice.size())));
        for (const QString &id : slice)
            s.bind(id);
        if (!s.exec())
            return std::nullopt;
        while (s.query.next())
            (s.query.value(1).toInt() != 0 ? dead : alive).insert(s.query.value(0).toString());
    }
    for (const QString &id : familyIds) {
        if (!alive.contains(id))
            dead.insert(id); // revoked, or purged (which only happens to dead families)
    }
    return dead;
}

TokenUse SqlStore::recordStreamTokenUse(const QString &jti, const QDateTime &expiresAt)
{
    // Expired records cannot be replayed anyway (the token is refused for its expiry): drop them
    // now and then so that the table stays as small as the tokens in flight.
    if (++m_streamTokenUses % 256 == 1) {
        Statement purge(*this, "DELETE FROM stream_token_uses WHERE expires_at < ?");
        purge.bind(QDateTime::currentSecsSinceEpoch()).exec();
    }
    // Without an fsync of its own (synchronous = NORMAL for this one commit; the WAL reaches the
    // disk with the next FULL commit or checkpoint): it survives a crash or SIGKILL of the
    // server, not a power cut of the machine within that window, after which a leaked token
    // that has not expired (at most --stream-token-ttl, 300 s) could open one more stream. One
    // fsync per stream opened capped connect storms at a few hundred streams per second.
    const bool sqlite = m_dialect == SqlDialect::Sqlite;
    if (sqlite)
        execRaw(db(), QStringLiteral("PRAGMA synchronous = NORMAL"));
    Statement insert(*this,
                     "INSERT INTO stream_token_uses (jti, expires_at) VALUES (?, ?) ON "
                     "CONFLICT(jti) DO NOTHING");
    const bool ok = insert.bind(jti).bind(expiresAt.toSecsSinceEpoch()).exec();
    const bool first = ok && insert.query.numRowsAffected() == 1;
    insert.query.finish();
    // Every other write stays fully durable; without FULL back, nothing else may be written.
    if (sqlite && !execRaw(db(), QStringLiteral("PRAGMA synchronous = FULL"))) {
        qCCritical(lcStore, "cannot restore synchronous = FULL");
        return TokenUse::Failed;
    }
    if (!ok)
        return TokenUse::Failed;
    return first ? TokenUse::First : TokenUse::Reused;
}

bool SqlStore::revokeRefreshTokensForUser(const QString &userId)
{
    Statement s(*this, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?");
    return s.bind(userId).exec();
}

int SqlStore::purgeRefreshTokens(const QDateTime &now)
{
    Statement s(*this,
                "DELETE FROM refresh_tokens WHERE family_id IN ("
                " SELECT family_id FROM refresh_tokens GROUP BY family_id"
                " HAVING MAX(expires_at) < ? OR MIN(revoked) = 1)");
    if (!s.bind(now.toMSecsSinceEpoch()).exec())
        return -1;
    return s.query.numRowsAffected();
}

// --- event log ---

std::optional<qint64> SqlStore::appendEvent(const QString &promptId, const QString &type,
                                            const QByteArray &jsonData)
{
    const AppendResult result = appendEvent(promptId, EventAppend { type, jsonData, {}, {}, {} });
    if (result.outcome != AppendResult::Outcome::Appended)
        return std::nullopt;
    return result.seq;
}

AppendResult SqlStore::appendEvent(const QString &promptId, const EventAppend &event)
{
    return appendEvents({ { promptId, event } }).constFirst();
}

QList<AppendResult> SqlStore::appendEvents(const QList<PromptEventAppend> &events)
{
    using Outcome = AppendResult::Outcome;
    const QList<AppendResult> allFailed(events.size());
    // BEGIN IMMEDIATE holds the write lock from here: the status reads cannot go stale.
    Transaction tx(*this);
    if (!tx.active())
        return allFailed;
    if (m_dialect == SqlDialect::Postgres) {
        // Row locks taken in the batch's order would deadlock two instances whose batches hold
        // the same prompts in other orders: take them all first, in one order.
        QStringList promptIds;
        for (const PromptEventAppend &append : events)
            promptIds.append(append.promptId);
        promptIds.sort();
        promptIds.removeDuplicates();
        for (const QString &promptId : std::as_const(promptIds)) {
            Statement lock(*this, "SELECT 1 FROM prompts WHERE id = ? FOR UPDATE");
            if (!lock.bind(promptId).exec())
                return allFailed;
        }
    }
    QList<AppendResult> results;
    results.reserve(events.size());
    bool anyAppended = false;
    for (const PromptEventAppend &append : events) {
        const AppendResult result = appendInTransaction(append.promptId, append.event);
        if (result.outcome == Outcome::Failed)
            return allFailed; // ~Transaction rolls back what the batch wrote so far
        anyAppended = anyAppended || result.outcome == Outcome::Appended;
        results.append(result);
    }
    if (anyAppended && !tx.commit())
        return allFailed;
    return results;
}

// One event of appendEvents(), inside its transaction. Failed: a statement failed, and the
// caller must roll back (the insert may have happened without the prompt's update).
AppendResult SqlStore::appendInTransaction(const QString &promptId, const EventAppend &event)
{
    using Outcome = AppendResult::Outcome;
    AppendResult result; // Failed until written
    // Locked (PostgreSQL): appends to one prompt through several instances queue here, so each
    // reads the last_seq the previous one committed and the sequence stays gap-free.
    Statement read(*this,
                   QLatin1String("SELECT status, last_seq, log_bytes FROM prompts WHERE id = ?")
                       + forUpdate());
    if (!read.bind(promptId).exec())
        return result;
    if (!read.query.next()) {
        result.outcome = Outcome::NoSuchPrompt;
        return result;
    }
    const QString statusName = read.query.value(0).toString();
    const auto status = parsePromptStatus(statusName);
    const qint64 seq = read.query.value(1).toLongLong() + 1;
    const qint64 logBytes = read.query.value(2).toLongLong();
    read.query.finish();
    if (event.closedStatus && status == event.closedStatus) {
        result.outcome = Outcome::Refused;
        return result;
    }
    // Under the write lock: concurrent appends see each other's counts, none can overshoot.
    if (event.maxEvents > 0 && seq > event.maxEvents) {
        result.outcome = Outcome::OverEventQuota;
        return result;
    }
    if (event.maxBytes > 0 && logBytes + event.jsonData.size() > event.maxBytes) {
        result.outcome = Outcome::OverByteQuota;
        return result;
    }
    const bool changeStatus
        = event.newStatus && (!event.onlyFromStatus || status == event.onlyFromStatus);
    const QString statusAfter = changeStatus ? promptStatusName(*event.newStatus) : statusName;
    const bool finishes
        = changeStatus && event.newStatus == PromptStatus::Done && status != PromptStatus::Done;
    Statement insert(*this,
                     "INSERT INTO events (prompt_id, seq, type, data, created_at) "
                     "VALUES (?, ?, ?, ?, ?)");
    if (!insert.bind(promptId)
             .bind(seq)
             .bind(event.type)
             .bind(QString::fromUtf8(event.jsonData))
             .bind(nowMs())
             .exec())
        return result;
    // Same transaction: the prompt's sequence number and status move with the event.
    Statement update(*this,
                     "UPDATE prompts SET last_seq = ?, status = ?, log_bytes = log_bytes + ?, "
                     "finished_at = CASE WHEN ? = 1 THEN ? ELSE finished_at END WHERE id = ?");
    if (!update.bind(seq)
             .bind(statusAfter)
             .bind(qint64(event.jsonData.size()))
             .bind(finishes ? 1 : 0)
             .bind(nowMs())
             .bind(promptId)
             .exec()
        || update.query.numRowsAffected() != 1)
        return result;
    result.outcome = Outcome::Appended;
    result.seq = seq;
    return result;
}

QList<EventRecord> SqlStore::eventsAfter(const QString &promptId, qint64 afterSeq, int limit)
{
    QList<EventRecord> out;
    Statement s(*this,
                "SELECT seq, type, data, created_at FROM events WHERE prompt_id = ? AND "
                "seq > ? ORDER BY seq ASC LIMIT ?");
    if (!s.bind(promptId).bind(afterSeq).bind(qMax(0, limit)).exec())
        return out;
    while (s.query.next()) {
        out.append({ s.query.value(0).toLongLong(), promptId, s.query.value(1).toString(),
                     s.query.value(2).toString().toUtf8(), fromMs(s.query.value(3)) });
    }
    return out;
}

QList<EventRecord> SqlStore::eventPage(const QString &promptId, qint64 afterSeq, int maxEvents,
                                       qint64 maxBytes)
{
    QList<EventRecord> out;
    Statement s(*this,
                "SELECT seq, type, data, created_at FROM events WHERE prompt_id = ? AND "
                "seq > ? ORDER BY seq ASC LIMIT ?");
    if (!s.bind(promptId).bind(afterSeq).bind(qMax(1, maxEvents)).exec())
        return out;
    // Forward-only: each next() steps SQLite one row, so the rows after the page stay unread.
    qint64 bytes = 0;
    while (bytes < maxBytes && s.query.next()) {
        out.append({ s.query.value(0).toLongLong(), promptId, s.query.value(1).toString(),
                     s.query.value(2).toString().toUtf8(), fromMs(s.query.value(3)) });
        bytes += out.constLast().data.size();
    }
    s.query.finish();
    return out;
}

} // namespace Sluice::Server
