// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/refreshtokenservice.h"

#include "logging.h"
#include "store/randomid.h"

#include <QtCore/QCryptographicHash>

namespace Sluice::Server {

RefreshTokenService::RefreshTokenService(Store &store, std::chrono::seconds ttl)
    : m_store(store)
    , m_ttl(ttl)
{ }

QByteArray RefreshTokenService::hashToken(const QByteArray &token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

bool RefreshTokenService::looksLikeToken(const QByteArray &token)
{
    if (token.size() != 43)
        return false;
    for (char c : token) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

QByteArray RefreshTokenService::newToken()
{
    const QByteArray bytes = secureRandomBytes(32);
    if (bytes.isEmpty())
        return {};
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

int RefreshTokenService::purge()
{
    m_lastPurge = QDateTime::currentDateTimeUtc();
    const int removed = m_store.purgeRefreshTokens(m_lastPurge);
    if (removed > 0)
        qCInfo(lcAuth, "purged %d expired or revoked refresh tokens", removed);
    return removed;
}

std::optional<IssuedRefreshToken> RefreshTokenService::issue(const QString &userId)
{
    if (!m_lastPurge.isValid() || m_lastPurge.secsTo(QDateTime::currentDateTimeUtc()) >= 3600)
        purge();
    const QByteArray token = newToken();
    if (token.isEmpty())
        return std::nullopt;
    const QDateTime expiresAt = QDateTime::currentDateTimeUtc().addSecs(m_ttl.count());
    const auto record = m_store.insertRefreshToken(userId, hashToken(token), expiresAt);
    if (!record)
        return std::nullopt;
    return IssuedRefreshToken { token, m_ttl, record->familyId };
}

std::optional<RefreshResult> RefreshTokenService::fromGrace(const QByteArray &presentedHash,
                                                            const QDateTime &now)
{
    for (auto it = m_grace.begin(); it != m_grace.end();) { // a handful of entries at most
        if (it->until <= now)
            it = m_grace.erase(it);
        else
            ++it;
    }
    const auto it = m_grace.constFind(presentedHash);
    if (it == m_grace.cend())
        return std::nullopt;
    // Only while the successor is still the family's live token: once it was used (or the
    // family revoked), the old token is a replay like any other.
    const auto successor = m_store.refreshToken(hashToken(it->successor.token));
    if (!successor || successor->used || successor->revoked)
        return std::nullopt;
    RefreshResult result;
    result.outcome = RefreshRotation::Rotated;
    result.userId = it->userId;
    result.familyId = it->successor.familyId;
    result.successor = it->successor;
    result.fromGraceWindow = true;
    qCInfo(lcAuth).noquote() << "refresh token presented again within the grace window; family"
                             << result.familyId << "keeps its successor";
    return result;
}

void RefreshTokenService::rememberGrace(const QByteArray &presentedHash,
                                        const RefreshResult &result, const QDateTime &now)
{
    constexpr qsizetype maxEntries = 10000; // bounded whatever the traffic
    if (m_grace.size() >= maxEntries)
        m_grace.erase(m_grace.begin());
    m_grace.insert(presentedHash,
                   { *result.successor, result.userId, now.addSecs(graceWindow.count()) });
}

RefreshResult RefreshTokenService::rotate(const QByteArray &presentedToken)
{
    RefreshResult result;
    if (!looksLikeToken(presentedToken)) {
        result.outcome = RefreshRotation::NotFound;
        return result;
    }
    const QByteArray successor = newToken();
    if (successor.isEmpty())
        return result;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QByteArray presentedHash = hashToken(presentedToken);
    if (auto grace = fromGrace(presentedHash, now))
        return *grace;
    const RefreshRotationResult rotation = m_store.rotateRefreshToken(
        presentedHash, hashToken(successor), now.addSecs(m_ttl.count()), now);
    result.outcome = rotation.outcome;
    result.userId = rotation.userId;
    result.familyId = rotation.familyId;
    switch (rotation.outcome) {
    case RefreshRotation::Rotated:
        result.successor = IssuedRefreshToken { successor, m_ttl, rotation.familyId };
        rememberGrace(presentedHash, result, now);
        break;
    case RefreshRotation::Reused:
        qCWarning(lcSecurity).noquote()
            << "refresh token reuse detected: family" << rotation.familyId << "of user"
            << rotation.userId << "revoked";
        break;
    case RefreshRotation::Revoked:
        qCInfo(lcSecurity).noquote()
            << "revoked refresh token presented for user" << rotation.userId;
        break;
    case RefreshRotation::Expired:
    case RefreshRotation::NotFound:
    case RefreshRotation::Failed:
        break;
    }
    return result;
}

QString RefreshTokenService::revokeFamilyOf(const QByteArray &presentedToken, const QString &userId)
{
    if (!looksLikeToken(presentedToken))
        return {};
    const auto record = m_store.refreshToken(hashToken(presentedToken));
    if (!record || record->userId != userId || !m_store.revokeRefreshFamily(record->familyId))
        return {};
    return record->familyId;
}

bool RefreshTokenService::revokeAll(const QString &userId)
{
    return m_store.revokeRefreshTokensForUser(userId);
}

} // namespace Sluice::Server
