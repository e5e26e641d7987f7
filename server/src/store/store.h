// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
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

#include "store/promptstatus.h"

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QSet>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <optional>

namespace Sluice::Server {

struct UserRecord
{
    QString id;
    QString name;
    QByteArray passwordHash; // PHC-like string, see PasswordHasher
    QDateTime createdAt;
    // Access and stream tokens issued (iat, to the millisecond) before this are refused: moved by
    // "log out everywhere", a password change and refresh-token reuse. Epoch 0 when never set.
    QDateTime tokensValidAfter;
};

// Outcome of recording a stream token's first use.
enum class TokenUse {
    First, // recorded now: the token may open its stream
    Reused, // seen before: refuse it
    Failed, // storage error
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
    PromptStatus status = PromptStatus::Pending;
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

// One event to append, and what it does to its prompt's status — committed together or not at
// all (Store::appendEvent(promptId, EventAppend)).
struct EventAppend
{
    QString type; // its wire name (see stream/eventtype.h)
    QByteArray jsonData; // compact JSON
    std::optional<PromptStatus> newStatus; // set: the prompt's status after the append...
    std::optional<PromptStatus> onlyFromStatus; // ...if set, only when its status is this one now
    std::optional<PromptStatus> closedStatus; // set: a prompt in this status takes no event
    // Quotas checked in the same transaction (so concurrent appends cannot overshoot them); 0 =
    // unlimited. The log may hold at most maxEvents events and maxBytes bytes of data.
    qint64 maxEvents = 0;
    qint64 maxBytes = 0;
};

struct PromptEventAppend
{
    QString promptId;
    EventAppend event;
};

struct AppendResult
{
    enum class Outcome {
        Appended,
        NoSuchPrompt,
        Refused, // the prompt is in EventAppend::closedStatus
        OverEventQuota, // the log already holds EventAppend::maxEvents events
        OverByteQuota, // the event's data would take the log over EventAppend::maxBytes
        Failed, // storage error (disk full, I/O error, lock timeout): nothing was written
    };
    Outcome outcome = Outcome::Failed;
    qint64 seq = 0; // Appended: the event's sequence number
};

// What an insert bounded by a per-user quota did (the count and the insert are one transaction).
enum class QuotaInsert {
    Inserted,
    OverQuota, // the user already owns the maximum: nothing was written
    NoSuchParent, // unknown user (sessions) or session (prompts)
    Failed, // storage error
};

struct SessionInsert
{
    QuotaInsert outcome = QuotaInsert::Failed;
    SessionRecord record; // Inserted
};

struct PromptInsert
{
    QuotaInsert outcome = QuotaInsert::Failed;
    PromptRecord record; // Inserted
};

// A keyset position in a list: the sort key (created_at, then the row's insertion order) of the
// last row of the previous page. Stable under inserts and deletes, unlike an offset.
struct PageKey
{
    qint64 createdAtMs = 0;
    qint64 rowId = 0;
};

template<typename Record> struct Page
{
    QList<Record> records;
    std::optional<PageKey> next; // set when more rows follow: pass it back as `after`
};

class Store
{
public:
    virtual ~Store() = default;

    // A round trip to the database (GET /healthz): false when it cannot be reached now.
    virtual bool ping() = 0;

    // --- sessions and prompts ---
    virtual std::optional<SessionRecord> createSession(const QString &userId, const QString &title)
        = 0;
    virtual std::optional<SessionRecord> session(const QString &sessionId) = 0;
    virtual QList<SessionRecord> sessionsForUser(const QString &userId) = 0; // newest first
    virtual std::optional<PromptRecord> createPrompt(const QString &sessionId, const QString &text)
        = 0; // status Pending
    virtual std::optional<PromptRecord> prompt(const QString &promptId) = 0;
    virtual QList<PromptRecord> promptsForSession(const QString &sessionId) = 0; // oldest first
    virtual bool setPromptStatus(const QString &promptId, PromptStatus status) = 0;
    // Like createSession / createPrompt, unless the (session's) user already owns `maxPerUser`
    // sessions / prompts (0: no limit).
    virtual SessionInsert createSessionWithin(const QString &userId, const QString &title,
                                              qint64 maxPerUser)
        = 0;
    virtual PromptInsert createPromptWithin(const QString &sessionId, const QString &text,
                                            qint64 maxPerUser)
        = 0;
    // One page of sessionsForUser (newest first) / promptsForSession (oldest first): at most
    // `limit` records after `after` (from the start when unset).
    virtual Page<SessionRecord> sessionPage(const QString &userId, std::optional<PageKey> after,
                                            int limit)
        = 0;
    virtual Page<PromptRecord> promptPage(const QString &sessionId, std::optional<PageKey> after,
                                          int limit)
        = 0;
    // Retention: deletes at most `batch` prompts that finished (done) before `cutoff`, with their
    // event logs. Returns how many, or -1 on failure.
    virtual int deleteFinishedPrompts(const QDateTime &cutoff, int batch) = 0;

    // --- users ---
    // createUser fails (nullopt) when the name is taken (names are unique ignoring ASCII case).
    virtual std::optional<UserRecord> createUser(const QString &name,
                                                 const QByteArray &passwordHash)
        = 0;
    virtual std::optional<UserRecord> user(const QString &userId) = 0;
    virtual std::optional<UserRecord> userByName(const QString &name) = 0; // ASCII case-insensitive
    virtual QList<UserRecord> users() = 0; // by name
    virtual bool setPasswordHash(const QString &userId, const QByteArray &passwordHash) = 0;
    // A new password that ends every existing sign-in, all or nothing (one transaction): the
    // hash, every refresh token revoked, the tokensValidAfter mark moved to `when`. False, and
    // nothing changed, on an unknown user or a storage error.
    virtual bool changePassword(const QString &userId, const QByteArray &passwordHash,
                                const QDateTime &when)
        = 0;
    // Deletes the user and, by cascade, their refresh tokens, sessions, prompts and events.
    virtual bool removeUser(const QString &userId) = 0;
    // Moves the user's tokensValidAfter mark forward to `when` (never backwards).
    virtual bool invalidateTokensIssuedBefore(const QString &userId, const QDateTime &when) = 0;
    // For the users among `userIds` that still exist: their tokensValidAfter mark (the others
    // were removed). nullopt on a storage error.
    virtual std::optional<QHash<QString, QDateTime>> tokenMarks(const QStringList &userIds) = 0;

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
    // The families among `familyIds` that are revoked or gone (purged); nullopt on error.
    virtual std::optional<QSet<QString>> deadRefreshFamilies(const QStringList &familyIds) = 0;
    virtual bool revokeRefreshTokensForUser(const QString &userId) = 0;
    // Housekeeping: deletes every family that is revoked or whose newest token expired before
    // `now` (live families are kept whole, so reuse detection still sees their used tokens).
    // Returns the number of rows deleted, or -1 on failure.
    virtual int purgeRefreshTokens(const QDateTime &now) = 0;

    // --- stream tokens (single use) ---
    // Records the first use of stream token `jti` (kept until `expiresAt`; expired records are
    // dropped along the way).
    virtual TokenUse recordStreamTokenUse(const QString &jti, const QDateTime &expiresAt) = 0;

    // --- event log (read by the streaming issue) ---
    // Appends one event; returns its sequence number (1-based, gap-free per prompt).
    virtual std::optional<qint64> appendEvent(const QString &promptId, const QString &type,
                                              const QByteArray &jsonData)
        = 0;
    // Appends one event and applies its status change in ONE transaction: the event and the
    // status commit together, or neither does (a `done` never lands without the prompt being
    // done, nor the reverse).
    virtual AppendResult appendEvent(const QString &promptId, const EventAppend &event) = 0;
    // Group commit: appends the events in order in ONE transaction (one fsync for all). Each gets
    // its own outcome as appendEvent() would give it, later ones seeing earlier ones (sequence
    // numbers, quotas, `done`); a storage failure rolls all of them back and every outcome is
    // Failed, so nothing is reported appended that is not durable.
    virtual QList<AppendResult> appendEvents(const QList<PromptEventAppend> &events) = 0;
    // Events with seq > afterSeq, oldest first, at most `limit`.
    virtual QList<EventRecord> eventsAfter(const QString &promptId, qint64 afterSeq, int limit) = 0;
    // A replay page: events with seq > afterSeq, oldest first, at most `maxEvents`, and none
    // after the one whose data brings the page to `maxBytes` or more (so a page holds at least
    // one event, whatever its size). Rows after the page are not read.
    virtual QList<EventRecord> eventPage(const QString &promptId, qint64 afterSeq, int maxEvents,
                                         qint64 maxBytes)
        = 0;
};

} // namespace Sluice::Server
