// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/authroutes.h"

#include "auth/accesscookie.h"
#include "auth/authenticator.h"
#include "auth/loginratelimiter.h"
#include "auth/passwordhasher.h"
#include "auth/passwordhashpool.h"
#include "auth/refreshtokenservice.h"
#include "auth/tokenservice.h"
#include "config/serverconfig.h"
#include "http/deferredreply.h"
#include "http/jsonreply.h"
#include "http/responsefinisher.h"
#include "http/routetable.h"
#include "logging.h"
#include "routes/servercontext.h"
#include "store/store.h"
#include "stream/streamhub.h"

#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponder>
#include <QtHttpServer/QHttpServerResponse>
#include <QtNetwork/QHostAddress>

// POST /api/auth/login    {username, password}  → 200 token pair (+ cookie in cookie mode); the
//      password is checked on the PasswordHashPool and the reply written when that is done
// POST /api/auth/refresh  {refreshToken}        → 200 token pair; the presented token is rotated
// POST /api/auth/logout   Bearer [, {refreshToken}] → 204. With a refresh token: revokes that
//      token's family (this device). Without one: revokes every family of the user (all devices),
//      since an access token does not say which family it came from. Clears the cookie.

namespace Sluice::Server {

namespace {

using Status = QHttpServerResponse::StatusCode;

constexpr qsizetype maxUserNameLength = 128;

QHttpServerResponse validationError(const QString &message)
{
    return jsonError(Status::BadRequest, ErrorCode::validation, message);
}

// A required string member: nullopt + *error when missing, of another type or empty.
std::optional<QString> requiredString(const QJsonObject &body, const QString &name,
                                      qsizetype maxLength,
                                      std::optional<QHttpServerResponse> *error)
{
    const QJsonValue value = body.value(name);
    if (value.isUndefined() || value.isNull()) {
        error->emplace(validationError(QStringLiteral("%1 is required").arg(name)));
        return std::nullopt;
    }
    if (!value.isString()) {
        error->emplace(validationError(QStringLiteral("%1 must be a string").arg(name)));
        return std::nullopt;
    }
    const QString text = value.toString();
    if (text.isEmpty()) {
        error->emplace(validationError(QStringLiteral("%1 must not be empty").arg(name)));
        return std::nullopt;
    }
    if (text.size() > maxLength) {
        error->emplace(validationError(
            QStringLiteral("%1 is longer than %2 characters").arg(name).arg(maxLength)));
        return std::nullopt;
    }
    return text;
}

QByteArray accessCookie(const ServerContext &ctx, const QByteArray &token, qint64 maxAge)
{
    return AccessCookie::setCookieHeader(ctx.config.tls, token, maxAge);
}

void noStore(QHttpServerResponse &response)
{
    response.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    response.setHeader(QByteArrayLiteral("Pragma"), QByteArrayLiteral("no-cache"));
}

QHttpServerResponse internalError()
{
    return jsonError(Status::InternalServerError, ErrorCode::internal,
                     QStringLiteral("the server could not complete the request"));
}

// The 200 answer of login and refresh.
QHttpServerResponse tokenPair(ServerContext &ctx, const QString &userId,
                              const IssuedRefreshToken &refresh)
{
    const auto access = ctx.tokens.mintAccessToken(userId, refresh.familyId);
    if (!access)
        return internalError();
    QHttpServerResponse response = jsonReply({
        { QStringLiteral("accessToken"), QString::fromLatin1(access->token) },
        { QStringLiteral("tokenType"), QStringLiteral("Bearer") },
        { QStringLiteral("expiresIn"), qint64(access->expiresIn.count()) },
        { QStringLiteral("refreshToken"), QString::fromLatin1(refresh.token) },
        { QStringLiteral("refreshExpiresIn"), qint64(refresh.expiresIn.count()) },
    });
    noStore(response);
    if (ctx.config.cookieMode) {
        response.setHeader(QByteArrayLiteral("Set-Cookie"),
                           accessCookie(ctx, access->token, access->expiresIn.count()));
    }
    return response;
}

// A login waiting for its password check on the hash pool; the client may leave meanwhile.
struct PendingLogin
{
    PendingLogin(const ResponseFinisher &finisher, const QHttpServerRequest &request,
                 QHttpServerResponder &&responder)
        : reply(finisher, request, std::move(responder))
    { }

    DeferredReply reply;
    QString userName;
    QHostAddress address;
    std::optional<UserRecord> user;
};

void answer(PendingLogin &login, QHttpServerResponse &&response)
{
    login.reply.send(std::move(response));
}

QHttpServerResponse loginBusy(const PasswordHashPool::Refused &refused)
{
    return jsonError(Status::ServiceUnavailable, ErrorCode::loginBusy,
                     refused.reason == PasswordHashPool::Refusal::QueueFull
                         ? QStringLiteral("too many logins are waiting; try again later")
                         : QStringLiteral("the server is checking too many passwords; try again "
                                          "later"),
                     refused.retryAfter);
}

// Back on the event loop with the result of the password check.
void completeLogin(ServerContext &ctx, PendingLogin &login,
                   const PasswordHashPool::Outcome &outcome)
{
    const QString address = login.address.toString();
    // The check only counts for the hash it was made against: the account may have been removed
    // or given a new password (`user passwd`) while it ran.
    const auto user
        = outcome.verified && login.user ? ctx.store.user(login.user->id) : std::nullopt;
    if (!user || user->passwordHash != login.user->passwordHash) {
        if (!outcome.verified)
            ctx.loginLimiter.recordFailure(login.userName, login.address);
        qCInfo(lcSecurity).noquote() << "failed login from" << address;
        answer(login, jsonUnauthorized(QStringLiteral("invalid username or password"), false));
        return;
    }
    ctx.loginLimiter.recordSuccess(login.userName, login.address);
    if (!outcome.upgradedHash.isEmpty()) {
        // Written right after the check above, in the same turn of the event loop, so that a
        // password set meanwhile by another process is not overwritten.
        if (ctx.store.setPasswordHash(user->id, outcome.upgradedHash))
            qCInfo(lcAuth, "password hash of user %s upgraded to scrypt ln=%d",
                   qPrintable(user->id), ctx.passwordHashes.parameters().logN);
        else
            qCWarning(lcAuth, "cannot store the upgraded password hash of user %s",
                      qPrintable(user->id));
    }
    if (login.reply.clientGone()) {
        // Nobody to hand tokens to: issue none.
        login.reply.abandon();
        return;
    }
    const auto refresh = ctx.refreshTokens.issue(user->id);
    if (!refresh) {
        answer(login, internalError());
        return;
    }
    qCInfo(lcAuth).noquote() << "user" << user->id << "logged in from" << address;
    answer(login, tokenPair(ctx, user->id, *refresh));
}

// Validation, the failure limits and the store lookup run here; the password check runs on the
// hash pool and the reply is written when it is done (completeLogin).
void login(ServerContext &ctx, const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const auto reply = [&](QHttpServerResponse &&response) {
        ctx.finisher.send(request, responder, std::move(response));
    };
    QHttpServerResponse parseError(Status::BadRequest);
    const auto body = parseJsonBody(request, &parseError);
    if (!body)
        return reply(std::move(parseError));
    std::optional<QHttpServerResponse> error;
    const auto userName
        = requiredString(*body, QStringLiteral("username"), maxUserNameLength, &error);
    if (!userName)
        return reply(std::move(*error));
    const auto password = requiredString(*body, QStringLiteral("password"),
                                         PasswordHasher::maximumPasswordLength, &error);
    if (!password)
        return reply(std::move(*error));

    const QHostAddress address = request.remoteAddress();
    if (const auto wait = ctx.loginLimiter.retryAfter(*userName, address)) {
        qCInfo(lcSecurity).noquote() << "login rate limited for client" << address.toString();
        return reply(jsonError(Status::TooManyRequests, ErrorCode::rateLimited,
                               QStringLiteral("too many failed login attempts; try again later"),
                               *wait));
    }

    auto pending = std::make_shared<PendingLogin>(ctx.finisher, request, std::move(responder));
    pending->userName = *userName;
    pending->address = address;
    pending->user = ctx.store.userByName(*userName);
    // Unknown user and wrong password cost the same scrypt run and get the same answer.
    const auto refused = ctx.passwordHashes.verify(
        password->toUtf8(), pending->user ? pending->user->passwordHash : QByteArray(),
        [&ctx, pending](const PasswordHashPool::Outcome &outcome) {
            completeLogin(ctx, *pending, outcome);
        });
    if (!refused) {
        qCDebug(lcAuth, "login from %s: password check queued (%d pending)",
                qPrintable(address.toString()), ctx.passwordHashes.pending());
    } else {
        qCWarning(lcSecurity).noquote()
            << "login from" << address.toString() << "refused:"
            << (refused->reason == PasswordHashPool::Refusal::QueueFull ? "hash queue full"
                                                                        : "hash budget spent");
        answer(*pending, loginBusy(*refused));
    }
}

QHttpServerResponse refresh(ServerContext &ctx, const QHttpServerRequest &request)
{
    QHttpServerResponse parseError(Status::BadRequest);
    const auto body = parseJsonBody(request, &parseError);
    if (!body)
        return parseError;
    std::optional<QHttpServerResponse> error;
    const auto token = requiredString(*body, QStringLiteral("refreshToken"), 256, &error);
    if (!token)
        return std::move(*error);
    const RefreshResult result = ctx.refreshTokens.rotate(token->toLatin1());
    switch (result.outcome) {
    case RefreshRotation::Rotated:
        return tokenPair(ctx, result.userId, *result.successor);
    case RefreshRotation::Failed:
        return internalError();
    case RefreshRotation::NotFound:
    case RefreshRotation::Expired:
    case RefreshRotation::Revoked:
        break;
    case RefreshRotation::Reused:
        // Token theft suspected: the store revoked the family; every token the user holds dies
        // (the mark) and so do the user's open streams.
        if (!result.userId.isEmpty()) {
            ctx.store.invalidateTokensIssuedBefore(result.userId, QDateTime::currentDateTimeUtc());
            ctx.streams.endStreamsForUser(result.userId, "session revoked");
        }
        break;
    }
    return jsonUnauthorized(QStringLiteral("invalid, expired or revoked refresh token"), true);
}

QHttpServerResponse logout(ServerContext &ctx, const QHttpServerRequest &request)
{
    const AuthResult auth = ctx.authenticator.authenticateAccess(request);
    if (!auth.ok)
        return jsonUnauthorized(auth.message, auth.tokenPresented);
    QHttpServerResponse parseError(Status::BadRequest);
    const auto body = parseJsonBody(request, &parseError);
    if (!body)
        return parseError;
    const QJsonValue token = body->value(QStringLiteral("refreshToken"));
    const bool everywhere = token.isUndefined() || token.isNull();
    bool revoked = false;
    QString deviceFamily;
    if (everywhere) {
        // Everywhere: every sign-in, and every access and stream token issued until now.
        revoked = ctx.refreshTokens.revokeAll(auth.userId)
            && ctx.store.invalidateTokensIssuedBefore(auth.userId, QDateTime::currentDateTimeUtc());
    } else if (!token.isString() || token.toString().isEmpty()) {
        return validationError(QStringLiteral("refreshToken must be a non-empty string"));
    } else {
        // This device: its sign-in (refresh family) is revoked, and with it every access and
        // stream token carrying that family. A token that is not the caller's revokes nothing;
        // the answer does not say so.
        deviceFamily = ctx.refreshTokens.revokeFamilyOf(token.toString().toLatin1(), auth.userId);
        revoked = true;
    }
    if (!revoked)
        return internalError();
    qCInfo(lcAuth).noquote() << "user" << auth.userId << "logged out"
                             << (everywhere ? "everywhere" : "on one device");
    if (everywhere)
        ctx.streams.endStreamsForUser(auth.userId, "logged out");
    else if (!deviceFamily.isEmpty())
        ctx.streams.endStreamsForFamily(deviceFamily, "logged out");
    QHttpServerResponse response(Status::NoContent);
    noStore(response);
    if (ctx.config.cookieMode)
        response.setHeader(QByteArrayLiteral("Set-Cookie"), accessCookie(ctx, QByteArray(), 0));
    return response;
}

} // namespace

void registerAuthRoutes(QHttpServer &, ServerContext &ctx)
{
    ctx.routes.addResponder(
        QHttpServerRequest::Method::Post, QStringLiteral("/api/auth/login"),
        [&ctx](const QHttpServerRequest &request, const QStringList &,
               QHttpServerResponder &responder) { login(ctx, request, responder); });
    ctx.routes.post(QStringLiteral("/api/auth/refresh"),
                    [&ctx](const QHttpServerRequest &request, const QStringList &) {
                        return refresh(ctx, request);
                    });
    ctx.routes.post(QStringLiteral("/api/auth/logout"),
                    [&ctx](const QHttpServerRequest &request, const QStringList &) {
                        return logout(ctx, request);
                    });
}

} // namespace Sluice::Server
