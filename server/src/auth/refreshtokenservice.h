// RefreshTokenService: opaque 256-bit refresh tokens (RAND_bytes, base64url), stored only as
// SHA-256 hashes, rotated on every use; reuse of a rotated token revokes its whole family and is
// logged as a security event (never the token itself).
#pragma once

#include "store/store.h"

#include <QByteArray>
#include <QString>

#include <chrono>
#include <optional>

namespace Sluice::Server {

struct IssuedRefreshToken
{
    QByteArray token; // give to the client once; never log or store it
    std::chrono::seconds expiresIn { 0 };
};

struct RefreshResult
{
    RefreshRotation outcome = RefreshRotation::Failed;
    QString userId; // owner of the presented token (when known)
    std::optional<IssuedRefreshToken> successor; // set when outcome == Rotated
};

class RefreshTokenService
{
public:
    RefreshTokenService(Store &store, std::chrono::seconds ttl);

    // First token of a new family (login).
    std::optional<IssuedRefreshToken> issue(const QString &userId);
    // Rotation: the presented token becomes used, a successor in the same family is issued.
    RefreshResult rotate(const QByteArray &presentedToken);
    // Logout with a token: revokes that token's family if it belongs to `userId`. True when a
    // family of that user was revoked.
    bool revokeFamilyOf(const QByteArray &presentedToken, const QString &userId);
    // Logout without a token ("everywhere"), user removal: every family of the user.
    bool revokeAll(const QString &userId);

    static QByteArray hashToken(const QByteArray &token); // raw SHA-256
    // Shape check before any lookup: 43 base64url characters (256 bits, unpadded).
    static bool looksLikeToken(const QByteArray &token);

    // Deletes dead families (expired or revoked). issue() also runs it at most once an hour.
    int purge();

private:
    static QByteArray newToken();
    Store &m_store;
    std::chrono::seconds m_ttl;
    QDateTime m_lastPurge;
};

} // namespace Sluice::Server
