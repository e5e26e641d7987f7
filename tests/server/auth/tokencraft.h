// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Test helper: hand-crafted JWTs (any header, any claims, HMAC with any digest) to attack the
// server's token validation. Header-only; used by unit and integration tests.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMessageAuthenticationCode>

namespace SluiceTest {

inline QByteArray base64Url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

enum class Signature { HS256, HS384, HS512, Empty, Garbage };

inline QByteArray craftToken(const QJsonObject &header, const QJsonObject &claims,
                             const QByteArray &key, Signature signature = Signature::HS256)
{
    const QByteArray input = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    QByteArray mac;
    switch (signature) {
    case Signature::HS256:
        mac = QMessageAuthenticationCode::hash(input, key, QCryptographicHash::Sha256);
        break;
    case Signature::HS384:
        mac = QMessageAuthenticationCode::hash(input, key, QCryptographicHash::Sha384);
        break;
    case Signature::HS512:
        mac = QMessageAuthenticationCode::hash(input, key, QCryptographicHash::Sha512);
        break;
    case Signature::Empty:
        break;
    case Signature::Garbage:
        mac = QByteArray(32, 'x');
        break;
    }
    return input + '.' + base64Url(mac);
}

inline QJsonObject jwtHeader(const QString &alg, const QString &typ)
{
    QJsonObject header { { QStringLiteral("alg"), alg } };
    if (!typ.isNull())
        header.insert(QStringLiteral("typ"), typ);
    return header;
}

// Claims of a valid access token for `sub`, issued `ageSecs` ago, living `ttlSecs`.
inline QJsonObject accessClaims(const QString &sub, qint64 ageSecs = 0, qint64 ttlSecs = 900)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch() - ageSecs;
    return { { QStringLiteral("iss"), QStringLiteral("sluice-server") },
             { QStringLiteral("sub"), sub },
             { QStringLiteral("aud"), QStringLiteral("sluice-api") },
             { QStringLiteral("iat"), now },
             { QStringLiteral("nbf"), now },
             { QStringLiteral("exp"), now + ttlSecs },
             { QStringLiteral("jti"), QStringLiteral("0123456789abcdef0123456789abcdef") } };
}

inline QJsonObject streamClaims(const QString &sub, const QString &sid, const QString &pid,
                                qint64 ageSecs = 0, qint64 ttlSecs = 120)
{
    QJsonObject claims = accessClaims(sub, ageSecs, ttlSecs);
    claims.insert(QStringLiteral("aud"), QStringLiteral("sluice-stream"));
    claims.insert(QStringLiteral("sid"), sid);
    claims.insert(QStringLiteral("pid"), pid);
    return claims;
}

// Decodes the payload (no verification) of a compact JWT.
inline QJsonObject payloadOf(const QByteArray &token)
{
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3)
        return {};
    return QJsonDocument::fromJson(
               QByteArray::fromBase64(parts.at(1), QByteArray::Base64UrlEncoding))
        .object();
}

inline QJsonObject headerOf(const QByteArray &token)
{
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3)
        return {};
    return QJsonDocument::fromJson(
               QByteArray::fromBase64(parts.at(0), QByteArray::Base64UrlEncoding))
        .object();
}

} // namespace SluiceTest
