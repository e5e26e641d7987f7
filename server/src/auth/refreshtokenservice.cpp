#include "auth/refreshtokenservice.h"

#include "auth/authlog.h"
#include "store/randomid.h"

#include <QCryptographicHash>

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
    if (!m_store.insertRefreshToken(userId, hashToken(token), expiresAt))
        return std::nullopt;
    return IssuedRefreshToken { token, m_ttl };
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
    const RefreshRotationResult rotation = m_store.rotateRefreshToken(
        hashToken(presentedToken), hashToken(successor), now.addSecs(m_ttl.count()), now);
    result.outcome = rotation.outcome;
    result.userId = rotation.userId;
    switch (rotation.outcome) {
    case RefreshRotation::Rotated:
        result.successor = IssuedRefreshToken { successor, m_ttl };
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

bool RefreshTokenService::revokeFamilyOf(const QByteArray &presentedToken, const QString &userId)
{
    if (!looksLikeToken(presentedToken))
        return false;
    const auto record = m_store.refreshToken(hashToken(presentedToken));
    if (!record || record->userId != userId)
        return false;
    return m_store.revokeRefreshFamily(record->familyId);
}

bool RefreshTokenService::revokeAll(const QString &userId)
{
    return m_store.revokeRefreshTokensForUser(userId);
}

} // namespace Sluice::Server
