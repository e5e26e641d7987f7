// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RefreshTokenService: opaque 256-bit refresh tokens (RAND_bytes, base64url), stored only as
// SHA-256 hashes, rotated on every use; reuse of a rotated token revokes its whole family and is
// logged as a security event (never the token itself).
//
// Grace window: the same token presented again within graceWindow of its rotation (two tabs
// refreshing at once, a retried request whose answer was lost) gets the successor already issued
// instead of counting as reuse, as long as that successor has not been used itself. The successor
// is kept in memory only, for that window; after it, reuse revokes the family as before.
#pragma once

#include "store/store.h"

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QString>

#include <chrono>
#include <optional>

namespace Sluice::Server {

struct IssuedRefreshToken
{
    QByteArray token; // give to the client once; never log or store it
    std::chrono::seconds expiresIn { 0 };
    QString familyId; // the sign-in it belongs to (carried by access tokens as `fam`)
};

struct RefreshResult
{
    RefreshRotation outcome = RefreshRotation::Failed;
    QString userId; // owner of the presented token (when known)
    QString familyId; // its family (when known)
    std::optional<IssuedRefreshToken> successor; // set when outcome == Rotated
    bool fromGraceWindow = false; // the successor was issued by an earlier, concurrent rotation
};

class RefreshTokenService
{
public:
    static constexpr std::chrono::seconds graceWindow { 10 };

    RefreshTokenService(Store &store, std::chrono::seconds ttl);

    // First token of a new family (login).
    std::optional<IssuedRefreshToken> issue(const QString &userId);
    // Rotation: the presented token becomes used, a successor in the same family is issued.
    RefreshResult rotate(const QByteArray &presentedToken);
    // Logout with a token: revokes that token's family if it belongs to `userId`. Returns the
    // revoked family's id, empty when nothing of that user was revoked.
    QString revokeFamilyOf(const QByteArray &presentedToken, const QString &userId);
    // Logout without a token ("everywhere"), user removal: every family of the user.
    bool revokeAll(const QString &userId);

    static QByteArray hashToken(const QByteArray &token); // raw SHA-256
    // Shape check before any lookup: 43 base64url characters (256 bits, unpadded).
    static bool looksLikeToken(const QByteArray &token);

    // Deletes dead families (expired or revoked). issue() also runs it at most once an hour.
    int purge();

private:
    struct Grace
    {
        IssuedRefreshToken successor;
        QString userId;
        QDateTime until;
    };
    static QByteArray newToken();
    std::optional<RefreshResult> fromGrace(const QByteArray &presentedHash, const QDateTime &now);
    void rememberGrace(const QByteArray &presentedHash, const RefreshResult &result,
                       const QDateTime &now);

    Store &m_store;
    std::chrono::seconds m_ttl;
    QDateTime m_lastPurge;
    QHash<QByteArray, Grace> m_grace; // presented token hash -> the successor it got
};

} // namespace Sluice::Server
