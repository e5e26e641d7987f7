// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// SqlStore: the Store on a QtSql connection, shared by the SQLite and PostgreSQL backends.
//
// One implementation of every query, so the two backends cannot drift apart: where their SQL
// differs (transaction start, row locks, ASCII case-insensitive names, durability knobs) the
// backend's SqlDialect decides, in this class only. Each backend only opens its connection and
// applies the migrations (store/migrations.h).
// Threading: one QSqlDatabase connection per instance, usable only from the thread that opened it.
#pragma once

#include "store/migrations.h"
#include "store/store.h"

#include <QtCore/QHash>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>

#include <vector>

class QSqlError;

namespace Sluice::Server {

class SqlStore : public Store
{
public:
    ~SqlStore() override;
    SqlStore(const SqlStore &) = delete;
    SqlStore &operator=(const SqlStore &) = delete;

    int schemaVersion();
    bool ping() override;

    std::optional<SessionRecord> createSession(const QString &userId,
                                               const QString &title) override;
    std::optional<SessionRecord> session(const QString &sessionId) override;
    QList<SessionRecord> sessionsForUser(const QString &userId) override;
    std::optional<PromptRecord> createPrompt(const QString &sessionId,
                                             const QString &text) override;
    std::optional<PromptRecord> prompt(const QString &promptId) override;
    QList<PromptRecord> promptsForSession(const QString &sessionId) override;
    bool setPromptStatus(const QString &promptId, PromptStatus status) override;
    SessionInsert createSessionWithin(const QString &userId, const QString &title,
                                      qint64 maxPerUser) override;
    PromptInsert createPromptWithin(const QString &sessionId, const QString &text,
                                    qint64 maxPerUser) override;
    Page<SessionRecord> sessionPage(const QString &userId, std::optional<PageKey> after,
                                    int limit) override;
    Page<PromptRecord> promptPage(const QString &sessionId, std::optional<PageKey> after,
                                  int limit) override;
    int deleteFinishedPrompts(const QDateTime &cutoff, int batch) override;

    std::optional<UserRecord> createUser(const QString &name,
                                         const QByteArray &passwordHash) override;
    std::optional<UserRecord> user(const QString &userId) override;
    std::optional<UserRecord> userByName(const QString &name) override;
    QList<UserRecord> users() override;
    bool setPasswordHash(const QString &userId, const QByteArray &passwordHash) override;
    bool changePassword(const QString &userId, const QByteArray &passwordHash,
                        const QDateTime &when) override;
    bool removeUser(const QString &userId) override;
    bool invalidateTokensIssuedBefore(const QString &userId, const QDateTime &when) override;
    std::optional<QHash<QString, QDateTime>> tokenMarks(const QStringList &userIds) override;

    std::optional<RefreshTokenRecord> insertRefreshToken(const QString &userId,
                                                         const QByteArray &tokenHash,
                                                         const QDateTime &expiresAt) override;
    RefreshRotationResult rotateRefreshToken(const QByteArray &presentedHash,
                                             const QByteArray &successorHash,
                                             const QDateTime &successorExpiresAt,
                                             const QDateTime &now) override;
    std::optional<RefreshTokenRecord> refreshToken(const QByteArray &tokenHash) override;
    bool revokeRefreshFamily(const QString &familyId) override;
    std::optional<QSet<QString>> deadRefreshFamilies(const QStringList &familyIds) override;
    TokenUse recordStreamTokenUse(const QString &jti, const QDateTime &expiresAt) override;
    bool revokeRefreshTokensForUser(const QString &userId) override;
    int purgeRefreshTokens(const QDateTime &now) override;

    std::optional<qint64> appendEvent(const QString &promptId, const QString &type,
                                      const QByteArray &jsonData) override;
    AppendResult appendEvent(const QString &promptId, const EventAppend &event) override;
    QList<AppendResult> appendEvents(const QList<PromptEventAppend> &events) override;
    QList<EventRecord> eventsAfter(const QString &promptId, qint64 afterSeq, int limit) override;
    QList<EventRecord> eventPage(const QString &promptId, qint64 afterSeq, int maxEvents,
                                 qint64 maxBytes) override;

protected:
    SqlStore(QSqlDatabase db, SqlDialect dialect);
    // Called before a statement runs outside a transaction: a backend whose connection can drop
    // (a database server restarted) reopens it here. Never called inside a transaction, whose
    // statements must all run on the connection that began it.
    virtual void ensureConnected() { }
    // After a statement failed outside a transaction: whether the connection itself had been
    // lost (not the statement refused) and is open again, so that the statement may run once
    // more (which ones may: see the rule at SqlStore::runAgain in sqlstore.cpp).
    virtual bool reopenLostConnection(const QSqlError &error)
    {
        Q_UNUSED(error);
        return false;
    }
    QSqlDatabase &connection() { return m_db; }
    // Every pooled prepared statement is gone with the connection (call before closing it) or
    // after DEALLOCATE ALL: the pool is emptied, and queries out of it are not taken back.
    enum class ConnectionState { Alive, Lost };
    void forgetPreparedStatements(ConnectionState state);

private:
    struct Statement;
    class Transaction;
    enum class Stage { Prepare, Execute };

    QSqlDatabase &db();
    // Prepare `sql` on `query`, and run a prepared or a direct (`sql` itself) query; both log a
    // failure and retry one that met a lost connection when that is safe (runAgain).
    bool prepare(QSqlQuery &query, const QString &sql);
    bool execute(QSqlQuery &query, const QString &sql, bool prepared);
    bool runAgain(const QString &sql, Stage failedAt, const QSqlError &error);
    // A query already prepared with `sql` from the pool (an empty QSqlQuery when there is none),
    // and back into the pool once a Statement is done with it.
    QSqlQuery takePrepared(const QString &sql);
    void givePrepared(const QString &sql, QSqlQuery &&query, bool prepared, quint64 generation);
    void discardDeadQuery(QSqlQuery &&query);
    bool begin();
    // " FOR UPDATE" where the dialect locks rows (PostgreSQL: concurrent transactions read the
    // row only after this one ends); SQLite's BEGIN IMMEDIATE already holds the database lock.
    QLatin1String forUpdate() const;
    // Serialises quota checks of one user across connections (a no-op where BEGIN IMMEDIATE
    // already does). False on a storage error.
    bool lockUser(const QString &userId);
    // Inside a transaction: whether `userId` may own one more of the rows `selectOne` (one `?`,
    // the user id) counts, at most `maxPerUser` (0: no quota). Takes the user's lock first.
    enum class QuotaRoom { Room, Full, Failed };
    QuotaRoom roomUnderQuota(const QString &userId, const char *selectOne, qint64 maxPerUser);
    // The expression comparing user names ignoring ASCII case (SQLite: the column's NOCASE).
    QLatin1String nameKey() const;
    AppendResult appendInTransaction(const QString &promptId, const EventAppend &event);

    QSqlDatabase m_db;
    SqlDialect m_dialect;
    QString m_connectionName;
    int m_transactionDepth = 0;
    QHash<QString, std::vector<QSqlQuery>> m_preparedPool;
    quint64 m_poolGeneration = 0;
    quint64 m_streamTokenUses = 0;
};

} // namespace Sluice::Server
