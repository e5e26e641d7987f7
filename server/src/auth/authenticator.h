// Authenticator: turns a request's credentials into a user, for the routes.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

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

// The credentials a stream GET may carry, as found in the request (see authenticateStream()).
struct StreamCredentials
{
    QList<QByteArray> authorization; // Authorization header values
    QList<QByteArray> cookieHeaders; // Cookie header values
    std::optional<QByteArray> streamToken; // ?stream_token= (decoded), when present
};

class Authenticator
{
public:
    // cookieMode: the `sluice_access` cookie is accepted, on the stream GET only.
    Authenticator(const TokenService &tokens, Store &store, bool cookieMode = false);

    // Bearer access token from the Authorization header only (never query, never cookie): for API
    // routes. Also checks that the user still exists (a removed user's tokens die at once).
    AuthResult authenticateAccess(const QHttpServerRequest &request) const;

    // The same check on the raw Authorization header value(s) (unit tests, other transports).
    // More than one Authorization header is rejected.
    AuthResult authenticateAuthorization(const QList<QByteArray> &authorizationValues) const;

    // For the stream GET of prompt `promptId` in session `sessionId` only. The first credential
    // present decides (no fall-through to a weaker one): `Authorization: Bearer <access token>`,
    // else the `sluice_access` cookie (access token; only in cookie mode), else
    // `?stream_token=<stream token>` whose sid/pid must name this very stream. An access token is
    // never accepted from the query string. Whether the prompt belongs to the user is the route's
    // check (store lookup) for the Bearer and cookie cases.
    AuthResult authenticateStream(const QHttpServerRequest &request, const QString &sessionId,
                                  const QString &promptId) const;
    AuthResult authenticateStreamCredentials(const StreamCredentials &credentials,
                                             const QString &sessionId,
                                             const QString &promptId) const;

    static inline const QByteArray cookieName = QByteArrayLiteral("sluice_access");

private:
    AuthResult acceptUser(const QString &userId) const;
    const TokenService &m_tokens;
    Store &m_store;
    bool m_cookieMode;
};

} // namespace Sluice::Server
