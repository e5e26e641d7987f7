// Authenticator: turns a request's credentials into a user, for the routes.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

class QHttpServerRequest;

namespace Sluice::Server {

class Store;
class TokenService;

struct AuthResult
{
    bool ok = false;
    QString userId;
    QString userName;
    int httpStatus = 401;
    QByteArray code; // "AUTHENTICATION_ERROR" when !ok
    QString message;
    bool tokenPresented = false; // false → 401 with bare `WWW-Authenticate: Bearer`
};

class Authenticator
{
public:
    Authenticator(const TokenService &tokens, Store &store);

    // Bearer access token from the Authorization header only (never query, never cookie): for API
    // routes. Also checks that the user still exists (a removed user's tokens die at once).
    AuthResult authenticateAccess(const QHttpServerRequest &request) const;

    // The same check on the raw Authorization header value(s) (unit tests, other transports).
    // More than one Authorization header is rejected.
    AuthResult authenticateAuthorization(const QList<QByteArray> &authorizationValues) const;

private:
    const TokenService &m_tokens;
    Store &m_store;
};

} // namespace Sluice::Server
