// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/authenticator.h"

#include "auth/accesscookie.h"
#include "auth/tokenservice.h"
#include "http/jsonreply.h"
#include "logging.h"
#include "store/store.h"

#include <QtCore/QUrlQuery>
#include <QtHttpServer/QHttpServerRequest>

namespace Sluice::Server {

namespace {

AuthResult failure(const QString &message, bool tokenPresented,
                   const QByteArray &code = ErrorCode::authentication)
{
    AuthResult result;
    result.ok = false;
    result.httpStatus = 401;
    result.code = code;
    result.message = message;
    result.tokenPresented = tokenPresented;
    return result;
}

AuthResult unavailable()
{
    AuthResult result = failure(QStringLiteral("credentials cannot be checked right now"), true,
                                ErrorCode::serviceUnavailable);
    result.httpStatus = 503;
    return result;
}

} // namespace

Authenticator::Authenticator(const TokenService &tokens, Store &store, bool cookieMode,
                             bool secureCookie)
    : m_tokens(tokens)
    , m_store(store)
    , m_cookieMode(cookieMode)
    , m_secureCookie(secureCookie)
{ }

QByteArray Authenticator::cookieName() const
{
    return AccessCookie::name(m_secureCookie);
}

AuthResult Authenticator::acceptToken(CredentialKind kind, const QString &userId,
                                      const QString &familyId, const QDateTime &issuedAt,
                                      const QDateTime &expiresAt) const
{
    const QString refused = kind == CredentialKind::StreamToken
        ? QStringLiteral("invalid or expired stream token")
        : QStringLiteral("invalid or expired access token");
    const auto user = m_store.user(userId);
    if (!user) {
        // user() says nothing for a removed user and a storage error alike; tokenMarks() tells
        // them apart, so that a database out of reach (restart, failover) is a 503 the client
        // retries, not a 401 that signs it out.
        const auto marks = m_store.tokenMarks({ userId });
        if (!marks || marks->contains(userId))
            return unavailable();
        qCInfo(lcSecurity).noquote() << "token for an unknown user" << userId;
        return failure(refused, true);
    }
    if (user->tokensValidAfter.isValid() && issuedAt < user->tokensValidAfter) {
        qCInfo(lcSecurity).noquote() << "token issued before the revocation mark of user" << userId;
        return failure(refused, true);
    }
    if (!familyId.isEmpty()) {
        const auto dead = m_store.deadRefreshFamilies({ familyId });
        if (!dead)
            return unavailable();
        if (dead->contains(familyId)) {
            qCInfo(lcSecurity).noquote() << "token of a signed-out session of user" << userId;
            return failure(refused, true);
        }
    }
    AuthResult result;
    result.ok = true;
    result.httpStatus = 200;
    result.userId = user->id;
    result.userName = user->name;
    result.credential = kind;
    result.familyId = familyId;
    result.issuedAt = issuedAt;
    result.expiresAt = expiresAt;
    return result;
}

QList<QByteArray> Authenticator::authorizationValues(const QHttpServerRequest &request)
{
    QList<QByteArray> values;
    const auto headers = request.headers();
    for (const auto &[name, value] : headers) {
        if (name.compare("authorization", Qt::CaseInsensitive) == 0)
            values.append(value);
    }
    return values;
}

Authenticator::BearerParse Authenticator::parseBearer(const QList<QByteArray> &values)
{
    BearerParse parse;
    if (values.isEmpty()) {
        parse.error = QStringLiteral("missing bearer token");
        return parse;
    }
    if (values.size() > 1) {
        parse.error = QStringLiteral("more than one Authorization header");
        parse.presented = true;
        return parse;
    }
    const QByteArray value = values.constFirst().trimmed();
    const qsizetype space = value.indexOf(' ');
    if (space <= 0 || value.left(space).compare("bearer", Qt::CaseInsensitive) != 0) {
        parse.error = QStringLiteral("the Authorization header must use the Bearer scheme");
        return parse;
    }
    const QByteArray token = value.mid(space + 1).trimmed();
    if (token.isEmpty()) {
        parse.error = QStringLiteral("missing bearer token");
        return parse;
    }
    parse.token = token;
    parse.presented = true;
    return parse;
}

std::optional<QByteArray> Authenticator::bearerToken(const QHttpServerRequest &request)
{
    return parseBearer(authorizationValues(request)).token;
}

AuthResult Authenticator::authenticateAccess(const QHttpServerRequest &request) const
{
    return authenticateAuthorization(authorizationValues(request));
}

AuthResult Authenticator::authenticateAuthorization(const QList<QByteArray> &values) const
{
    const BearerParse bearer = parseBearer(values);
    if (!bearer.token)
        return failure(bearer.error, bearer.presented);
    QString reason;
    const auto claims = m_tokens.verifyAccessToken(*bearer.token, &reason);
    if (!claims) {
        qCDebug(lcAuth).noquote() << "access token rejected:" << reason;
        return failure(QStringLiteral("invalid or expired access token"), true);
    }
    return acceptToken(CredentialKind::BearerHeader, claims->userId, claims->familyId,
                       claims->issuedAt, claims->expiresAt);
}

AuthResult Authenticator::authenticateStream(const QHttpServerRequest &request,
                                             const QString &sessionId,
                                             const QString &promptId) const
{
    StreamCredentials credentials;
    credentials.authorization = authorizationValues(request);
    const auto headers = request.headers();
    for (const auto &[name, value] : headers) {
        if (name.compare("cookie", Qt::CaseInsensitive) == 0)
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
        const QByteArray prefix = cookieName() + '=';
        QList<QByteArray> cookieTokens;
        for (const QByteArray &header : credentials.cookieHeaders) {
            for (const QByteArray &pair : header.split(';')) {
                const QByteArray trimmed = pair.trimmed();
                if (trimmed.startsWith(prefix))
                    cookieTokens.append(trimmed.mid(prefix.size()));
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
            return acceptToken(CredentialKind::AccessCookie, claims->userId, claims->familyId,
                               claims->issuedAt, claims->expiresAt);
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
        AuthResult result = acceptToken(CredentialKind::StreamToken, claims->userId,
                                        claims->familyId, claims->issuedAt, claims->expiresAt);
        if (!result.ok)
            return result;
        // Single use: a stream token that leaked (a log, a proxy, a browser history) opens
        // nothing once its stream was opened.
        switch (m_store.recordStreamTokenUse(claims->jti, claims->expiresAt)) {
        case TokenUse::First:
            return result;
        case TokenUse::Reused:
            qCInfo(lcSecurity, "stream token presented a second time");
            return failure(QStringLiteral("the stream token was used already: get a new one for "
                                          "every connection"),
                           true, ErrorCode::streamTokenUsed);
        case TokenUse::Failed:
            return unavailable();
        }
    }
    return failure(QStringLiteral("missing credentials"), false);
}

} // namespace Sluice::Server
