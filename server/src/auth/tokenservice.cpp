// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/tokenservice.h"

#include "config/serverconfig.h"
#include "logging.h"
#include "store/randomid.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>

// Why JWS is done here with OpenSSL and not with libjwt: Debian 12's libjwt 1.10.2 overwrites the
// `typ` header with "JWT" when encoding and rejects every token whose `typ` is not "JWT" when
// decoding (verified on this machine), so it can neither mint nor verify RFC 9068 `at+jwt` /
// `stream+jwt` tokens, which RFC 8725 explicit typing needs. HS256 compact JWS is small: the header
// is fixed by the server, the MAC is HMAC-SHA256 (OpenSSL) compared with CRYPTO_memcmp, and the
// algorithm is pinned (the header must say exactly "HS256"; the token never chooses the MAC).
// See docs/ARCHITECTURE.md.

namespace Sluice::Server {

namespace {

constexpr qsizetype maxTokenLength = 8192;
constexpr int macLength = 32; // SHA-256

QByteArray base64Url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> fromBase64Url(const QByteArray &text)
{
    auto result = QByteArray::fromBase64Encoding(text,
                                                 QByteArray::Base64UrlEncoding
                                                     | QByteArray::OmitTrailingEquals
                                                     | QByteArray::AbortOnBase64DecodingErrors);
    if (!result)
        return std::nullopt;
    return result.decoded;
}

std::optional<QJsonObject> jsonObject(const QByteArray &segment)
{
    const auto raw = fromBase64Url(segment);
    if (!raw)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*raw, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

QByteArray hmacSha256(const QByteArray &key, const QByteArray &input)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int outLength = 0;
    if (!HMAC(EVP_sha256(), key.constData(), int(key.size()),
              reinterpret_cast<const unsigned char *>(input.constData()), size_t(input.size()), out,
              &outLength)
        || outLength != macLength)
        return {};
    return QByteArray(reinterpret_cast<const char *>(out), int(outLength));
}

qint64 nowSecs(const QDateTime &now)
{
    return now.isValid() ? now.toSecsSinceEpoch() : QDateTime::currentSecsSinceEpoch();
}

void setReason(QString *reason, const QString &text)
{
    if (reason)
        *reason = text;
}

// The JWS compact serialisation's alphabet only: three non-empty base64url segments.
bool wellFormed(const QByteArray &token)
{
    if (token.isEmpty() || token.size() > maxTokenLength)
        return false;
    int dots = 0;
    qsizetype segmentLength = 0;
    for (char c : token) {
        if (c == '.') {
            if (segmentLength == 0)
                return false;
            ++dots;
            segmentLength = 0;
            continue;
        }
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '-' || c == '_';
        if (!ok)
            return false;
        ++segmentLength;
    }
    return dots == 2 && segmentLength > 0;
}

QString stringClaim(const QJsonObject &claims, const char *name)
{
    const QJsonValue value = claims.value(QLatin1String(name));
    return value.isString() ? value.toString() : QString();
}

// NumericDate: an integral JSON number in a sane range.
std::optional<qint64> timeClaim(const QJsonObject &claims, const char *name)
{
    const QJsonValue value = claims.value(QLatin1String(name));
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > 1e11)
        return std::nullopt;
    return qint64(d);
}

// `iat` with its fraction (RFC 7519 NumericDates may have one), in milliseconds: revocation marks
// compare issue times to the millisecond, so a sign-in right after "log out everywhere" works.
std::optional<qint64> issuedAtMs(const QJsonObject &claims)
{
    const QJsonValue value = claims.value(QLatin1String("iat"));
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (!std::isfinite(d) || d < 0 || d > 1e11)
        return std::nullopt;
    return qint64(std::floor(d * 1000.0 + 0.5));
}

struct Verified
{
    QJsonObject claims;
    QString subject;
    QString jti;
    qint64 iatMs = 0;
    qint64 exp = 0;
};

// Everything the server pins, in order: shape, alg == HS256, typ, MAC (constant time), iss, aud,
// presence of sub/jti/iat/nbf/exp, and the time window with leeway.
std::optional<Verified> verifyJws(const QByteArray &token, const QByteArray &key,
                                  const QByteArray &type, const QByteArray &audience,
                                  const TokenService::Options &options, const QDateTime &now,
                                  QString *reason)
{
    if (key.isEmpty() || !wellFormed(token)) {
        setReason(reason, QStringLiteral("malformed token"));
        return std::nullopt;
    }
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype secondDot = token.indexOf('.', firstDot + 1);
    const QByteArray headerSegment = token.left(firstDot);
    const QByteArray payloadSegment = token.mid(firstDot + 1, secondDot - firstDot - 1);
    const QByteArray signatureSegment = token.mid(secondDot + 1);

    const auto header = jsonObject(headerSegment);
    if (!header) {
        setReason(reason, QStringLiteral("malformed token"));
        return std::nullopt;
    }
    const QJsonValue alg = header->value(QStringLiteral("alg"));
    if (!alg.isString() || alg.toString() != QLatin1String("HS256")) {
        setReason(reason, QStringLiteral("algorithm not allowed"));
        return std::nullopt;
    }
    if (header->contains(QStringLiteral("crit"))) {
        setReason(reason, QStringLiteral("unsupported critical header"));
        return std::nullopt;
    }
    const QJsonValue typ = header->value(QStringLiteral("typ"));
    if (!typ.isString() || typ.toString().toLatin1().compare(type, Qt::CaseInsensitive) != 0) {
        setReason(reason, QStringLiteral("wrong token type"));
        return std::nullopt;
    }
    const auto signature = fromBase64Url(signatureSegment);
    const QByteArray expected = hmacSha256(key, token.left(secondDot));
    if (!signature || signature->size() != macLength || expected.size() != macLength
        || CRYPTO_memcmp(signature->constData(), expected.constData(), macLength) != 0) {
        setReason(reason, QStringLiteral("signature or encoding invalid"));
        return std::nullopt;
    }
    // One spelling per signature: base64url leaves spare bits in the last character, and a token
    // whose signature decodes right but is written differently would be a second valid token
    // (malleable) with its own cache keys, log lines and deny-list entries.
    if (base64Url(*signature) != signatureSegment) {
        setReason(reason, QStringLiteral("signature or encoding invalid"));
        return std::nullopt;
    }
    const auto claims = jsonObject(payloadSegment);
    if (!claims) {
        setReason(reason, QStringLiteral("malformed token"));
        return std::nullopt;
    }
    if (stringClaim(*claims, "iss") != options.issuer) {
        setReason(reason, QStringLiteral("wrong issuer"));
        return std::nullopt;
    }
    if (stringClaim(*claims, "aud").toLatin1() != audience) {
        setReason(reason, QStringLiteral("wrong audience"));
        return std::nullopt;
    }
    Verified v;
    v.claims = *claims;
    v.subject = stringClaim(*claims, "sub");
    v.jti = stringClaim(*claims, "jti");
    const auto iatMs = issuedAtMs(*claims);
    const auto nbf = timeClaim(*claims, "nbf");
    const auto exp = timeClaim(*claims, "exp");
    if (v.subject.isEmpty() || v.jti.isEmpty() || !iatMs || !nbf || !exp) {
        setReason(reason, QStringLiteral("missing claims"));
        return std::nullopt;
    }
    const qint64 t = nowSecs(now);
    const qint64 leeway = options.leeway.count();
    if (t >= *exp + leeway) {
        setReason(reason, QStringLiteral("expired"));
        return std::nullopt;
    }
    if (t + leeway < *nbf) {
        setReason(reason, QStringLiteral("not yet valid"));
        return std::nullopt;
    }
    if (t + leeway < *iatMs / 1000) {
        setReason(reason, QStringLiteral("issued in the future"));
        return std::nullopt;
    }
    if (*exp * 1000 <= *iatMs) {
        setReason(reason, QStringLiteral("expires before it was issued"));
        return std::nullopt;
    }
    v.iatMs = *iatMs;
    v.exp = *exp;
    return v;
}

std::optional<MintedToken> mintJws(const QByteArray &key, const QByteArray &type,
                                   const QByteArray &audience, const QString &issuer,
                                   const QString &subject, std::chrono::seconds ttl,
                                   const QDateTime &now, const QJsonObject &extra)
{
    if (key.isEmpty() || subject.isEmpty())
        return std::nullopt;
    const qint64 tMs
        = now.isValid() ? now.toMSecsSinceEpoch() : QDateTime::currentMSecsSinceEpoch();
    const qint64 t = tMs / 1000;
    QJsonObject claims = extra;
    claims.insert(QStringLiteral("iss"), issuer);
    claims.insert(QStringLiteral("sub"), subject);
    claims.insert(QStringLiteral("aud"), QString::fromLatin1(audience));
    claims.insert(QStringLiteral("jti"), newRandomId());
    claims.insert(QStringLiteral("iat"), double(tMs) / 1000.0); // to the millisecond
    claims.insert(QStringLiteral("nbf"), t);
    claims.insert(QStringLiteral("exp"), t + ttl.count());
    const QByteArray header = "{\"alg\":\"HS256\",\"typ\":\"" + type + "\"}";
    const QByteArray input
        = base64Url(header) + '.' + base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    const QByteArray mac = hmacSha256(key, input);
    if (mac.isEmpty()) {
        qCWarning(lcAuth, "HMAC-SHA256 failed; no token minted");
        return std::nullopt;
    }
    return MintedToken { input + '.' + base64Url(mac), ttl };
}

QDateTime utc(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC);
}

} // namespace

TokenService::TokenService(Options options)
    : m_options(std::move(options))
{ }

TokenService::TokenService(const ServerConfig &config)
    : TokenService(Options { config.accessKey, config.streamKey, config.accessTokenTtl,
                             config.streamTokenTtl, config.tokenLeeway })
{ }

std::optional<MintedToken> TokenService::mintAccessToken(const QString &userId,
                                                         const QDateTime &now) const
{
    return mintAccessToken(userId, QString(), now);
}

std::optional<MintedToken> TokenService::mintAccessToken(const QString &userId,
                                                         const QString &familyId,
                                                         const QDateTime &now) const
{
    QJsonObject extra;
    if (!familyId.isEmpty())
        extra.insert(QStringLiteral("fam"), familyId);
    return mintJws(m_options.accessKey, accessType, accessAudience, m_options.issuer, userId,
                   m_options.accessTokenTtl, now, extra);
}

std::optional<MintedToken>
TokenService::mintStreamToken(const QString &userId, const QString &sessionId,
                              const QString &promptId, std::optional<std::chrono::seconds> ttl,
                              const QDateTime &now, const QString &familyId) const
{
    if (sessionId.isEmpty() || promptId.isEmpty())
        return std::nullopt;
    QJsonObject extra { { QStringLiteral("sid"), sessionId }, { QStringLiteral("pid"), promptId } };
    if (!familyId.isEmpty())
        extra.insert(QStringLiteral("fam"), familyId);
    return mintJws(m_options.streamKey, streamType, streamAudience, m_options.issuer, userId,
                   ttl.value_or(m_options.streamTokenTtl), now, extra);
}

std::optional<AccessClaims> TokenService::verifyAccessToken(const QByteArray &token,
                                                            QString *reason,
                                                            const QDateTime &now) const
{
    const auto v
        = verifyJws(token, m_options.accessKey, accessType, accessAudience, m_options, now, reason);
    if (!v)
        return std::nullopt;
    // Mutually exclusive with stream tokens even if both keys were equal: typ and aud differ, and a
    // token carrying stream claims is never an access token.
    if (v->claims.contains(QStringLiteral("sid")) || v->claims.contains(QStringLiteral("pid"))) {
        setReason(reason, QStringLiteral("stream claims in an access token"));
        return std::nullopt;
    }
    return AccessClaims { v->subject, v->jti, QDateTime::fromMSecsSinceEpoch(v->iatMs, Qt::UTC),
                          utc(v->exp), stringClaim(v->claims, "fam") };
}

std::optional<StreamClaims> TokenService::verifyStreamToken(const QByteArray &token,
                                                            QString *reason,
                                                            const QDateTime &now) const
{
    const auto v
        = verifyJws(token, m_options.streamKey, streamType, streamAudience, m_options, now, reason);
    if (!v)
        return std::nullopt;
    const QString sid = stringClaim(v->claims, "sid");
    const QString pid = stringClaim(v->claims, "pid");
    if (sid.isEmpty() || pid.isEmpty()) {
        setReason(reason, QStringLiteral("missing claims"));
        return std::nullopt;
    }
    return StreamClaims { v->subject,
                          sid,
                          pid,
                          v->jti,
                          QDateTime::fromMSecsSinceEpoch(v->iatMs, Qt::UTC),
                          utc(v->exp),
                          stringClaim(v->claims, "fam") };
}

} // namespace Sluice::Server
