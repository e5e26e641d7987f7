// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// SqliteStore: the embedded Store backend (SQLite through QtSql's QSQLITE driver).
//
// WAL journal, synchronous=FULL (a write the API acknowledged survives a crash or power loss),
// foreign keys on, 5 s busy timeout (the `user` CLI may write while the server runs).
// Threading: one QSqlDatabase connection per instance, usable only from the thread that called
// open(). Another thread must open its own SqliteStore on the same file.
#pragma once

#include "store/store.h"

#include <QtSql/QSqlDatabase>

#include <memory>

namespace Sluice::Server {

class SqliteStore final : public Store
{
public:
    // Opens (creating if needed) the database and applies pending migrations.
    static std::unique_ptr<SqliteStore> open(const QString &databasePath, QString *error = nullptr);
    // <dataDir>/sluice.db
    static QString databasePath(const QString &dataDir);

    ~SqliteStore() override;
    SqliteStore(const SqliteStore &) = delete;
    SqliteStore &operator=(const SqliteStore &) = delete;

    int schemaVersion();

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

private:
    AppendResult appendInTransaction(const QString &promptId, const EventAppend &event);
    explicit SqliteStore(QSqlDatabase db);
    QSqlDatabase m_db;
    QString m_connectionName;
    quint64 m_streamTokenUses = 0;
};

} // namespace Sluice::Server
