#include "auth/authenticator.h"

#include "auth/authlog.h"
#include "auth/tokenservice.h"
#include "store/store.h"

#include <QHttpServerRequest>

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

Authenticator::Authenticator(const TokenService &tokens, Store &store)
    : m_tokens(tokens)
    , m_store(store)
{ }

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
    const auto user = m_store.user(claims->userId);
    if (!user) {
        qCInfo(lcSecurity).noquote() << "access token for an unknown user" << claims->userId;
        return failure(QStringLiteral("invalid or expired access token"), true);
    }
    AuthResult result;
    result.ok = true;
    result.httpStatus = 200;
    result.userId = user->id;
    result.userName = user->name;
    return result;
}

} // namespace Sluice::Server
