// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Authenticator: the ONE place a request's credentials are found, parsed and checked, for the
// routes. Bearer header, access cookie and stream token all end here; routes only read the
// AuthResult (who, with what kind of credential, until when, from which sign-in).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QList>
#include <QtCore/QString>

#include <optional>

class QHttpServerRequest;

namespace Sluice::Server {

class Store;
class TokenService;

// What authenticated a request.
enum class CredentialKind {
    None,
    BearerHeader, // Authorization: Bearer <access token>
    AccessCookie, // the access cookie (cookie mode, stream GET only)
    StreamToken, // ?stream_token= (stream GET only)
};

struct AuthResult
{
    bool ok = false;
    QString userId;
    QString userName;
    int httpStatus = 401;
    QByteArray code; // "AUTHENTICATION_ERROR" (or STREAM_TOKEN_USED) when !ok
    QString message;
    bool tokenPresented = false; // false → 401 with bare `WWW-Authenticate: Bearer`

    // When ok: the credential that was accepted.
    CredentialKind credential = CredentialKind::None;
    QString familyId; // the sign-in (refresh token family) behind it; empty when unknown
    QDateTime issuedAt; // the token's iat
    QDateTime expiresAt; // the token's exp
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
    // cookieMode: the access cookie is accepted, on the stream GET only; secureCookie: its name
    // is the __Secure- one (see AccessCookie).
    Authenticator(const TokenService &tokens, Store &store, bool cookieMode = false,
                  bool secureCookie = false);

    // Bearer access token from the Authorization header only (never query, never cookie): for API
    // routes. Also refused: tokens of removed users, tokens issued before the user's
    // tokensValidAfter mark (logout everywhere, password change, refresh-token reuse) and tokens
    // of a revoked sign-in (refresh family: logout of that device).
    AuthResult authenticateAccess(const QHttpServerRequest &request) const;

    // The same check on the raw Authorization header value(s) (unit tests, other transports).
    // More than one Authorization header is rejected.
    AuthResult authenticateAuthorization(const QList<QByteArray> &authorizationValues) const;

    // For the stream GET of prompt `promptId` in session `sessionId` only. The first credential
    // present decides (no fall-through to a weaker one): `Authorization: Bearer <access token>`,
    // else the access cookie (only in cookie mode), else `?stream_token=<stream token>` whose
    // sid/pid must name this very stream and which is accepted once (its jti is recorded; a second
    // use is 401 STREAM_TOKEN_USED). An access token is never accepted from the query string.
    // Whether the prompt belongs to the user is the route's check (store lookup) for the Bearer
    // and cookie cases.
    AuthResult authenticateStream(const QHttpServerRequest &request, const QString &sessionId,
                                  const QString &promptId) const;
    AuthResult authenticateStreamCredentials(const StreamCredentials &credentials,
                                             const QString &sessionId,
                                             const QString &promptId) const;

    QByteArray cookieName() const;

    // The token of a request's one `Authorization: Bearer <token>` header (nullopt: none, not
    // Bearer, or several headers). For credentials that are not JWTs (the producer key).
    static std::optional<QByteArray> bearerToken(const QHttpServerRequest &request);

private:
    struct BearerParse
    {
        std::optional<QByteArray> token;
        QString error; // when !token
        bool presented = false; // a credential was sent (for WWW-Authenticate)
    };
    static QList<QByteArray> authorizationValues(const QHttpServerRequest &request);
    static BearerParse parseBearer(const QList<QByteArray> &authorizationValues);
    // The token's user must exist, the token must be newer than the user's mark, its sign-in
    // must be alive.
    AuthResult acceptToken(CredentialKind kind, const QString &userId, const QString &familyId,
                           const QDateTime &issuedAt, const QDateTime &expiresAt) const;
    const TokenService &m_tokens;
    Store &m_store;
    bool m_cookieMode;
    bool m_secureCookie;
};

} // namespace Sluice::Server
