// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// TokenService: the ONE place JWTs are made and checked (HS256 JWS via OpenSSL; libjwt 1.10.2
// cannot carry typ at+jwt, see tokenservice.cpp). Mints and verifies access tokens (at+jwt) and
// stream tokens (stream+jwt). HS256 is pinned by the server and never read from a token; the two
// kinds use different keys and different typ/aud, and each validator rejects the other kind.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QString>

#include <chrono>
#include <optional>

namespace Sluice::Server {

struct ServerConfig;

struct AccessClaims
{
    QString userId; // sub
    QString jti;
    QDateTime issuedAt;
    QDateTime expiresAt;
    QString familyId; // fam: the refresh token family (the device's sign-in); empty if none
};

struct StreamClaims
{
    QString userId; // sub
    QString sessionId; // sid
    QString promptId; // pid
    QString jti;
    QDateTime issuedAt;
    QDateTime expiresAt;
    QString familyId; // fam: copied from the access token that asked for it
};

struct MintedToken
{
    QByteArray token;
    std::chrono::seconds expiresIn { 0 };
};

class TokenService
{
public:
    struct Options
    {
        QByteArray accessKey; // >= 32 bytes
        QByteArray streamKey; // >= 32 bytes, different from accessKey
        std::chrono::seconds accessTokenTtl { 900 };
        std::chrono::seconds streamTokenTtl { 120 };
        std::chrono::seconds leeway { 30 };
        QString issuer = QStringLiteral("sluice-server");
    };

    static inline const QByteArray accessType = QByteArrayLiteral("at+jwt");
    static inline const QByteArray streamType = QByteArrayLiteral("stream+jwt");
    static inline const QByteArray accessAudience = QByteArrayLiteral("sluice-api");
    static inline const QByteArray streamAudience = QByteArrayLiteral("sluice-stream");

    explicit TokenService(Options options);
    explicit TokenService(const ServerConfig &config);

    const Options &options() const { return m_options; }

    // `now` is injectable for tests; by default the current UTC time.
    std::optional<MintedToken> mintAccessToken(const QString &userId,
                                               const QDateTime &now = {}) const;
    // With the refresh token family it belongs to (the `fam` claim): signing that device out
    // revokes the family, and every token carrying it stops working.
    std::optional<MintedToken> mintAccessToken(const QString &userId, const QString &familyId,
                                               const QDateTime &now = {}) const;
    std::optional<MintedToken> mintStreamToken(const QString &userId, const QString &sessionId,
                                               const QString &promptId,
                                               std::optional<std::chrono::seconds> ttl = {},
                                               const QDateTime &now = {},
                                               const QString &familyId = {}) const;

    // nullopt when the token is not a valid, current token of that kind. `reason` (optional) gets
    // a short, secret-free explanation for logs and tests.
    std::optional<AccessClaims> verifyAccessToken(const QByteArray &token,
                                                  QString *reason = nullptr,
                                                  const QDateTime &now = {}) const;
    std::optional<StreamClaims> verifyStreamToken(const QByteArray &token,
                                                  QString *reason = nullptr,
                                                  const QDateTime &now = {}) const;

private:
    Options m_options;
};

} // namespace Sluice::Server
