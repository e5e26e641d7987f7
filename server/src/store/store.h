// Store: the server's persistence interface (users, refresh tokens, sessions, prompts, event log).
//
// Routes and services only ever talk to this small interface, so a PostgreSQL (QtSql QPSQL)
// backend can be added beside SqliteStore without touching them.
//
// Threading: QtSql connections belong to the thread that opened them. A Store instance must only
// be used from the thread that created it (the server's main/event-loop thread). A future worker
// thread needs its own Store instance (its own connection) on the same database file.
//
// Every method is synchronous and reports failure with std::nullopt / false / an empty list; the
// error is logged (category sluice.server.store), never thrown. A method that returns success has
// committed its write durably (SQLite WAL + synchronous=FULL).
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace Sluice::Server {

struct UserRecord
{
    QString id;
    QString name;
    QByteArray passwordHash; // PHC-like string, see PasswordHasher
    QDateTime createdAt;
};

struct SessionRecord
{
    QString id;
    QString userId;
    QString title;
    QDateTime createdAt;
};

struct PromptRecord
{
    QString id;
    QString sessionId;
    QString userId;
    QString text;
    QString status; // "pending" on creation; later "running", "done", "failed"
    QDateTime createdAt;
};

// One row of a refresh token family. The token itself is never stored, only SHA-256(token).
struct RefreshTokenRecord
{
    QString id;
    QString userId;
    QString familyId;
    QString parentId; // empty for the first token of a family (issued at login)
    QByteArray tokenHash; // raw SHA-256 bytes
    QDateTime createdAt;
    QDateTime expiresAt;
    bool revoked = false;
    bool used = false; // already rotated into a successor
};

// Outcome of presenting a refresh token for rotation.
enum class RefreshRotation {
    Rotated, // the presented token was valid; it is now marked used and `successor` is stored
    NotFound, // unknown hash
    Expired,
    Revoked, // the family was revoked earlier (logout, reuse, user removed)
    Reused, // already rotated: the whole family has now been revoked
    Failed, // storage error
};

struct RefreshRotationResult
{
    RefreshRotation outcome = RefreshRotation::Failed;
    QString userId; // filled for every outcome but NotFound/Failed
    QString familyId; // idem
};

// One event of a prompt's durable log. `seq` is 1, 2, 3... per prompt (the SSE `id:`).
struct EventRecord
{
    qint64 seq = 0;
    QString promptId;
    QString type;
    QByteArray data; // compact JSON
    QDateTime createdAt;
};

class Store
{
public:
    virtual ~Store() = default;

    // --- seam 2 (sessions, prompts) ---
    virtual std::optional<SessionRecord> createSession(const QString &userId, const QString &title)
        = 0;
    virtual std::optional<SessionRecord> session(const QString &sessionId) = 0;
    virtual QList<SessionRecord> sessionsForUser(const QString &userId) = 0; // newest first
    virtual std::optional<PromptRecord> createPrompt(const QString &sessionId, const QString &text)
        = 0; // status "pending"
    virtual std::optional<PromptRecord> prompt(const QString &promptId) = 0;
    virtual QList<PromptRecord> promptsForSession(const QString &sessionId) = 0; // oldest first
    virtual bool setPromptStatus(const QString &promptId, const QString &status) = 0;

    // --- users ---
    // createUser fails (nullopt) when the name is taken (names are unique ignoring ASCII case).
    virtual std::optional<UserRecord> createUser(const QString &name,
                                                 const QByteArray &passwordHash)
        = 0;
    virtual std::optional<UserRecord> user(const QString &userId) = 0;
    virtual std::optional<UserRecord> userByName(const QString &name) = 0; // ASCII case-insensitive
    virtual QList<UserRecord> users() = 0; // by name
    virtual bool setPasswordHash(const QString &userId, const QByteArray &passwordHash) = 0;
    // Deletes the user and, by cascade, their refresh tokens, sessions, prompts and events.
    virtual bool removeUser(const QString &userId) = 0;

    // --- refresh tokens ---
    // Stores the first token of a new family (login). Returns the stored record (id, familyId set).
    virtual std::optional<RefreshTokenRecord> insertRefreshToken(const QString &userId,
                                                                 const QByteArray &tokenHash,
                                                                 const QDateTime &expiresAt)
        = 0;
    // Atomically (one transaction): checks the token with hash `presentedHash`, marks it used and
    // stores `successorHash` in the same family. Reuse of a used token revokes the family.
    virtual RefreshRotationResult
    rotateRefreshToken(const QByteArray &presentedHash, const QByteArray &successorHash,
                       const QDateTime &successorExpiresAt, const QDateTime &now)
        = 0;
    virtual std::optional<RefreshTokenRecord> refreshToken(const QByteArray &tokenHash) = 0;
    virtual bool revokeRefreshFamily(const QString &familyId) = 0;
    virtual bool revokeRefreshTokensForUser(const QString &userId) = 0;
    // Housekeeping: deletes every family that is revoked or whose newest token expired before
    // `now` (live families are kept whole, so reuse detection still sees their used tokens).
    // Returns the number of rows deleted, or -1 on failure.
    virtual int purgeRefreshTokens(const QDateTime &now) = 0;

    // --- event log (read by the streaming issue) ---
    // Appends one event; returns its sequence number (1-based, gap-free per prompt).
    virtual std::optional<qint64> appendEvent(const QString &promptId, const QString &type,
                                              const QByteArray &jsonData)
        = 0;
    // Events with seq > afterSeq, oldest first, at most `limit`.
    virtual QList<EventRecord> eventsAfter(const QString &promptId, qint64 afterSeq, int limit) = 0;
};

} // namespace Sluice::Server
