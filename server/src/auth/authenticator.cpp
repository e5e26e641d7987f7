#include "auth/authenticator.h"

#include "auth/authlog.h"
#include "auth/tokenservice.h"
#include "store/store.h"

#include <QHttpServerRequest>
#include <QUrlQuery>

namespace Sluice::Server {

namespace {

AuthResult failure(const QString &message, bool tokenPresented)
{
    AuthResult result;
    result.ok = false;
    result.httpStatus = 401;
    result.code = QByteArrayLiteral("AUTHENTICATION_ERROR");
    result.message = message;
    result.tokenPresented = tokenPresented;
    return result;
}

} // namespace

Authenticator::Authenticator(const TokenService &tokens, Store &store, bool cookieMode)
    : m_tokens(tokens)
    , m_store(store)
    , m_cookieMode(cookieMode)
{ }

AuthResult Authenticator::acceptUser(const QString &userId) const
{
    const auto user = m_store.user(userId);
    if (!user) {
        qCInfo(lcSecurity).noquote() << "token for an unknown user" << userId;
        return failure(QStringLiteral("invalid or expired access token"), true);
    }
    AuthResult result;
    result.ok = true;
    result.httpStatus = 200;
    result.userId = user->id;
    result.userName = user->name;
    return result;
}

AuthResult Authenticator::authenticateAccess(const QHttpServerRequest &request) const
{
    QList<QByteArray> values;
    const auto headers = request.headers();
    for (const auto &[name, value] : headers) {
        if (name.compare("authorization", Qt::CaseInsensitive) == 0)
            values.append(value);
    }
    return authenticateAuthorization(values);
}

AuthResult Authenticator::authenticateAuthorization(const QList<QByteArray> &values) const
{
    if (values.isEmpty())
        return failure(QStringLiteral("missing bearer token"), false);
    if (values.size() > 1)
        return failure(QStringLiteral("more than one Authorization header"), true);
    const QByteArray value = values.constFirst().trimmed();
    const qsizetype space = value.indexOf(' ');
    if (space <= 0 || value.left(space).compare("bearer", Qt::CaseInsensitive) != 0)
        return failure(QStringLiteral("the Authorization header must use the Bearer scheme"),
                       false);
    const QByteArray token = value.mid(space + 1).trimmed();
    if (token.isEmpty())
        return failure(QStringLiteral("missing bearer token"), false);
    QString reason;
    const auto claims = m_tokens.verifyAccessToken(token, &reason);
    if (!claims) {
        qCDebug(lcAuth).noquote() << "access token rejected:" << reason;
        return failure(QStringLiteral("invalid or expired access token"), true);
    }
    return acceptUser(claims->userId);
}

AuthResult Authenticator::authenticateStream(const QHttpServerRequest &request,
                                             const QString &sessionId,
                                             const QString &promptId) const
{
    StreamCredentials credentials;
    const auto headers = request.headers();
    for (const auto &[name, value] : headers) {
        if (name.compare("authorization", Qt::CaseInsensitive) == 0)
            credentials.authorization.append(value);
        else if (name.compare("cookie", Qt::CaseInsensitive) == 0)
            credentials.cookieHeaders.append(value);
    }
    const QUrlQuery query = request.query();
    if (query.hasQueryItem(QStringLiteral("stream_token"))) {
        credentials.streamToken
            = query.queryItemValue(QStringLiteral("stream_token"), QUrl::FullyDecoded).toLatin1();
    }
    return authenticateStreamCredentials(credentials, sessionId, promptId);
}

AuthResult Authenticator::authenticateStreamCredentials(const StreamCredentials &credentials,
                                                        const QString &sessionId,
                                                        const QString &promptId) const
{
    if (!credentials.authorization.isEmpty())
        return authenticateAuthorization(credentials.authorization);

    if (m_cookieMode) {
        QList<QByteArray> cookieTokens;
        for (const QByteArray &header : credentials.cookieHeaders) {
            for (const QByteArray &pair : header.split(';')) {
                const QByteArray trimmed = pair.trimmed();
                if (trimmed.startsWith(QByteArray(cookieName + '=')))
                    cookieTokens.append(trimmed.mid(cookieName.size() + 1));
            }
        }
        if (cookieTokens.size() > 1)
            return failure(QStringLiteral("more than one access cookie"), true);
        if (cookieTokens.size() == 1 && !cookieTokens.constFirst().isEmpty()) {
            QString reason;
            const auto claims = m_tokens.verifyAccessToken(cookieTokens.constFirst(), &reason);
            if (!claims) {
                qCDebug(lcAuth).noquote() << "access cookie rejected:" << reason;
                return failure(QStringLiteral("invalid or expired access cookie"), true);
            }
            return acceptUser(claims->userId);
        }
    }

    if (credentials.streamToken) {
        QString reason;
        const auto claims = m_tokens.verifyStreamToken(*credentials.streamToken, &reason);
        if (!claims) {
            qCDebug(lcAuth).noquote() << "stream token rejected:" << reason;
            return failure(QStringLiteral("invalid or expired stream token"), true);
        }
        if (claims->sessionId != sessionId || claims->promptId != promptId) {
            qCInfo(lcSecurity, "stream token presented for another stream");
            AuthResult result
                = failure(QStringLiteral("the stream token is for another stream"), true);
            result.httpStatus = 403; // authenticated, but not for this stream (issue 4)
            result.code = QByteArrayLiteral("AUTHORIZATION_ERROR");
            return result;
        }
        return acceptUser(claims->userId);
    }
    return failure(QStringLiteral("missing credentials"), false);
}

} // namespace Sluice::Server
