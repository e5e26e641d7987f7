// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// libFuzzer target for the JWT verifier, Sluice::Server::TokenService::verifyAccessToken and
// verifyStreamToken, with fixed keys (access, stream) and a fixed clock.
//
// Input: one control byte, then the rest.
//   bits 0-1  0, 1: the rest is a token, verified as it is (mutated valid tokens, garbage).
//             2, 3: the rest is "<header JSON>\n<claims JSON>" (or claims only, the server's header
//                   is then used) that the harness encodes and signs with the access key (2) or the
//                   stream key (3): this reaches the claim checks, which a MAC shields from raw
//                   mutations.
//   bits 2-4  the verification time: seconds after T0 (the seeds' iat) on both sides of every
//             boundary (leeway 30 s, access TTL 900 s, stream TTL 120 s).
//   bit 5     (modes 2, 3) sign with a third key instead: nothing may verify.
// Properties checked on every input, beyond "no crash, no sanitizer report":
//   * a token never verifies both as an access and as a stream token;
//   * verification is deterministic: same token and clock, same result, same reason, same claims;
//   * a rejection always has a reason;
//   * accepted claims are well-formed: non-empty sub and jti (and sid, pid for stream tokens),
//     valid times, now inside [iat - leeway, exp + leeway), iss/aud/typ/alg as pinned (checked
//     against the JSON that was signed), no sid/pid in an access token;
//   * a raw token that verifies carries the HMAC-SHA256 of its first two segments under the key of
//     its kind (checked here with OpenSSL independently of the verifier), written canonically
//     (base64url has one spelling per MAC: no token malleability), and its exp is after its iat.
//
// Seeds: SLUICE_FUZZ_WRITE_SEEDS=<dir> ./fuzz_jwt writes the seed corpus (tokens minted with the
// fixed keys at T0, crafted attacks) into <dir> and exits; tests/fuzz/corpus/jwt holds its output.
#include "auth/tokenservice.h"

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QLoggingCategory>
#include <QtCore/QStringList>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace {

using namespace Sluice::Server;
using namespace std::chrono_literals;

constexpr qint64 t0 = 1767225600; // 2026-01-01T00:00:00Z, iat of every seed
constexpr qint64 accessTtl = 900;
constexpr qint64 streamTtl = 120;
constexpr qint64 leeway = 30;
constexpr qint64 clockOffsets[8] = { 60, 0, -30, -31, 929, 930, 149, 150 };

const QByteArray accessKey = QByteArrayLiteral("fuzz-access-key-0123456789abcdefghijklmnop");
const QByteArray streamKey = QByteArrayLiteral("fuzz-stream-key-0123456789abcdefghijklmnop");
const QByteArray otherKey = QByteArrayLiteral("fuzz-other-key--0123456789abcdefghijklmnop");

void check(bool condition, const char *what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_jwt: property violated: %s\n", what);
        std::fflush(stderr);
        __builtin_trap();
    }
}

const TokenService &service()
{
    static const TokenService tokens(TokenService::Options {
        accessKey, streamKey, std::chrono::seconds(accessTtl), std::chrono::seconds(streamTtl),
        std::chrono::seconds(leeway), QStringLiteral("sluice-server") });
    return tokens;
}

QByteArray base64Url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray hmac(const EVP_MD *md, const QByteArray &key, const QByteArray &input)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(md, key.constData(), int(key.size()),
              reinterpret_cast<const unsigned char *>(input.constData()), size_t(input.size()), out,
              &length))
        return {};
    return QByteArray(reinterpret_cast<const char *>(out), int(length));
}

QByteArray signedToken(const QByteArray &header, const QByteArray &claims, const QByteArray &key,
                       const EVP_MD *md = EVP_sha256())
{
    const QByteArray input = base64Url(header) + '.' + base64Url(claims);
    return input + '.' + base64Url(hmac(md, key, input));
}

QByteArray standardHeader(bool access)
{
    return access ? QByteArrayLiteral("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}")
                  : QByteArrayLiteral("{\"alg\":\"HS256\",\"typ\":\"stream+jwt\"}");
}

struct Outcome
{
    std::optional<AccessClaims> access;
    std::optional<StreamClaims> stream;
    QString accessReason;
    QString streamReason;
};

Outcome verify(const QByteArray &token, const QDateTime &now)
{
    Outcome out;
    out.access = service().verifyAccessToken(token, &out.accessReason, now);
    out.stream = service().verifyStreamToken(token, &out.streamReason, now);
    return out;
}

bool sameAccess(const std::optional<AccessClaims> &a, const std::optional<AccessClaims> &b)
{
    if (a.has_value() != b.has_value())
        return false;
    return !a
        || (a->userId == b->userId && a->jti == b->jti && a->issuedAt == b->issuedAt
            && a->expiresAt == b->expiresAt && a->familyId == b->familyId);
}

bool sameStream(const std::optional<StreamClaims> &a, const std::optional<StreamClaims> &b)
{
    if (a.has_value() != b.has_value())
        return false;
    return !a
        || (a->userId == b->userId && a->sessionId == b->sessionId && a->promptId == b->promptId
            && a->jti == b->jti && a->issuedAt == b->issuedAt && a->expiresAt == b->expiresAt
            && a->familyId == b->familyId);
}

// The time window and the common claims of any accepted token.
void checkTimes(const QDateTime &issuedAt, const QDateTime &expiresAt, qint64 now)
{
    check(issuedAt.isValid() && expiresAt.isValid(), "accepted token has invalid iat/exp");
    check(now < expiresAt.toSecsSinceEpoch() + leeway, "accepted token is expired");
    check(issuedAt.toSecsSinceEpoch() <= now + leeway, "accepted token is issued in the future");
    check(expiresAt > issuedAt, "accepted token has exp <= iat");
}

// The segments of a token that has exactly two dots.
struct Segments
{
    QByteArray header;
    QByteArray claims;
    QByteArray signature;
    QByteArray signingInput;
};

std::optional<Segments> split(const QByteArray &token)
{
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3)
        return std::nullopt;
    return Segments { parts.at(0), parts.at(1), parts.at(2),
                      token.left(parts.at(0).size() + 1 + parts.at(1).size()) };
}

std::optional<QJsonObject> decodeObject(const QByteArray &segment)
{
    const auto decoded = QByteArray::fromBase64Encoding(
        segment, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QJsonDocument doc = QJsonDocument::fromJson(decoded.decoded);
    if (!doc.isObject())
        return std::nullopt;
    return doc.object();
}

// An accepted token, checked against the JSON it carries and its MAC (computed here).
void checkAccepted(const QByteArray &token, bool access, const QString &sub, const QString &jti,
                   const QString &fam)
{
    const auto segments = split(token);
    check(segments.has_value(), "accepted token does not have three segments");
    const QByteArray &key = access ? accessKey : streamKey;
    const auto mac = QByteArray::fromBase64Encoding(segments->signature,
                                                    QByteArray::Base64UrlEncoding
                                                        | QByteArray::AbortOnBase64DecodingErrors);
    check(mac && mac.decoded == hmac(EVP_sha256(), key, segments->signingInput),
          "accepted token does not carry the HMAC-SHA256 of its kind's key");
    check(base64Url(mac.decoded) == segments->signature,
          "accepted token has a non-canonical signature encoding");

    const auto header = decodeObject(segments->header);
    const auto claims = decodeObject(segments->claims);
    check(header && claims, "accepted token does not decode to two JSON objects");
    check(header->value(QStringLiteral("alg")).toString() == QLatin1String("HS256"),
          "accepted token's alg is not HS256");
    check(!header->contains(QStringLiteral("crit")), "accepted token has a crit header");
    check(header->value(QStringLiteral("typ"))
                  .toString()
                  .compare(access ? QLatin1String("at+jwt") : QLatin1String("stream+jwt"),
                           Qt::CaseInsensitive)
              == 0,
          "accepted token has the wrong typ");
    check(claims->value(QStringLiteral("iss")).toString() == QLatin1String("sluice-server"),
          "accepted token has the wrong iss");
    check(claims->value(QStringLiteral("aud")).toString()
              == (access ? QLatin1String("sluice-api") : QLatin1String("sluice-stream")),
          "accepted token has the wrong aud");
    check(claims->value(QStringLiteral("sub")).toString() == sub, "sub differs from the claims");
    check(claims->value(QStringLiteral("jti")).toString() == jti, "jti differs from the claims");
    check(claims->value(QStringLiteral("fam")).toString() == fam, "fam differs from the claims");
    check(!sub.isEmpty() && !jti.isEmpty(), "accepted token has an empty sub or jti");
    if (access) {
        check(!claims->contains(QStringLiteral("sid")) && !claims->contains(QStringLiteral("pid")),
              "accepted access token carries stream claims");
    }
}

void checkToken(const QByteArray &token, qint64 nowSecs, std::optional<bool> signedAsAccess,
                bool foreignKey)
{
    const QDateTime now = QDateTime::fromSecsSinceEpoch(nowSecs, Qt::UTC);
    const Outcome first = verify(token, now);
    const Outcome second = verify(token, now);
    check(sameAccess(first.access, second.access) && sameStream(first.stream, second.stream)
              && first.accessReason == second.accessReason
              && first.streamReason == second.streamReason,
          "verification is not deterministic");
    check(!(first.access && first.stream), "token verifies both as access and as stream token");
    check(first.access || !first.accessReason.isEmpty(), "access rejection without a reason");
    check(first.stream || !first.streamReason.isEmpty(), "stream rejection without a reason");

    if (foreignKey)
        check(!first.access && !first.stream, "token signed with a foreign key verifies");
    if (signedAsAccess.has_value()) {
        check(!(*signedAsAccess && first.stream), "access-key token verifies as a stream token");
        check(!(!*signedAsAccess && first.access), "stream-key token verifies as an access token");
    }
    if (first.access) {
        const AccessClaims &c = *first.access;
        checkTimes(c.issuedAt, c.expiresAt, nowSecs);
        checkAccepted(token, true, c.userId, c.jti, c.familyId);
    }
    if (first.stream) {
        const StreamClaims &c = *first.stream;
        checkTimes(c.issuedAt, c.expiresAt, nowSecs);
        check(!c.sessionId.isEmpty() && !c.promptId.isEmpty(), "stream token without sid/pid");
        checkAccepted(token, false, c.userId, c.jti, c.familyId);
        const auto claims = decodeObject(split(token)->claims);
        check(claims->value(QStringLiteral("sid")).toString() == c.sessionId
                  && claims->value(QStringLiteral("pid")).toString() == c.promptId,
              "sid/pid differ from the claims");
    }
}

// --- seed corpus ----------------------------------------------------------------------------

QByteArray claimsJson(bool access, const QJsonObject &extra = {}, const QStringList &without = {})
{
    const qint64 iat = t0;
    QJsonObject claims {
        { QStringLiteral("iss"), QStringLiteral("sluice-server") },
        { QStringLiteral("sub"), QStringLiteral("0123456789abcdef0123456789abcdef") },
        { QStringLiteral("aud"),
          access ? QStringLiteral("sluice-api") : QStringLiteral("sluice-stream") },
        { QStringLiteral("jti"), QStringLiteral("fedcba9876543210fedcba9876543210") },
        { QStringLiteral("iat"), iat },
        { QStringLiteral("nbf"), iat },
        { QStringLiteral("exp"), iat + (access ? accessTtl : streamTtl) }
    };
    if (!access) {
        claims.insert(QStringLiteral("sid"), QStringLiteral("5e55105e55105e55105e55105e55105e"));
        claims.insert(QStringLiteral("pid"), QStringLiteral("960a960a960a960a960a960a960a960a"));
    }
    for (auto it = extra.begin(); it != extra.end(); ++it)
        claims.insert(it.key(), it.value());
    for (const QString &key : without)
        claims.remove(key);
    return QJsonDocument(claims).toJson(QJsonDocument::Compact);
}

void writeSeeds(const QString &dir)
{
    QDir().mkpath(dir);
    int written = 0;
    auto write = [&](const char *name, char control, const QByteArray &body) {
        QFile file(dir + u'/' + QLatin1String(name));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            std::abort();
        file.write(QByteArray(1, control) + body);
        ++written;
    };
    const QDateTime at = QDateTime::fromSecsSinceEpoch(t0, Qt::UTC);
    const QString user = QStringLiteral("0123456789abcdef0123456789abcdef");
    const QString sid = QStringLiteral("5e55105e55105e55105e55105e55105e");
    const QString pid = QStringLiteral("960a960a960a960a960a960a960a960a");
    const QString fam = QStringLiteral("fa111e5fa111e5fa111e5fa111e5fa11");
    const TokenService &tokens = service();

    // Tokens the server mints (raw mode, clock T0 + 60 s): both kinds, with and without `fam`.
    write("raw-access", 0, tokens.mintAccessToken(user, at)->token);
    write("raw-access-fam", 0, tokens.mintAccessToken(user, fam, at)->token);
    write("raw-stream", 0, tokens.mintStreamToken(user, sid, pid, {}, at)->token);
    write("raw-stream-fam", 0, tokens.mintStreamToken(user, sid, pid, {}, at, fam)->token);
    write("raw-access-expired", 5 << 2, tokens.mintAccessToken(user, at)->token);
    write("raw-stream-expired", 7 << 2, tokens.mintStreamToken(user, sid, pid, {}, at)->token);

    // Crafted attacks (raw mode): algorithm confusion, wrong type/audience/key, size, alphabet.
    const QByteArray accessClaims = claimsJson(true);
    const QByteArray streamClaims = claimsJson(false);
    write("raw-alg-none", 0,
          base64Url("{\"alg\":\"none\",\"typ\":\"at+jwt\"}") + '.' + base64Url(accessClaims) + '.');
    write("raw-alg-none-sig", 0,
          signedToken("{\"alg\":\"none\",\"typ\":\"at+jwt\"}", accessClaims, accessKey));
    write("raw-alg-rs256", 0,
          signedToken("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", accessClaims, accessKey));
    write("raw-alg-rs256-long-sig", 0,
          base64Url("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}") + '.' + base64Url(accessClaims) + '.'
              + base64Url(QByteArray(256, '\x5a')));
    write("raw-alg-hs384", 0,
          signedToken("{\"alg\":\"HS384\",\"typ\":\"at+jwt\"}", accessClaims, accessKey,
                      EVP_sha384()));
    write("raw-alg-hs256-lower", 0,
          signedToken("{\"alg\":\"hs256\",\"typ\":\"at+jwt\"}", accessClaims, accessKey));
    write("raw-typ-jwt", 0,
          signedToken("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", accessClaims, accessKey));
    write("raw-typ-upper", 0,
          signedToken("{\"alg\":\"HS256\",\"typ\":\"AT+JWT\"}", accessClaims, accessKey));
    write("raw-typ-missing", 0, signedToken("{\"alg\":\"HS256\"}", accessClaims, accessKey));
    write("raw-crit", 0,
          signedToken("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"crit\":[\"exp\"]}", accessClaims,
                      accessKey));
    write("raw-kid", 0,
          signedToken("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"../../etc/passwd\"}",
                      accessClaims, accessKey));
    write("raw-aud-stream-in-access", 0,
          signedToken(
              standardHeader(true),
              claimsJson(true, { { QStringLiteral("aud"), QStringLiteral("sluice-stream") } }),
              accessKey));
    write("raw-aud-array", 0,
          signedToken(
              standardHeader(true),
              claimsJson(
                  true, { { QStringLiteral("aud"), QJsonArray { QStringLiteral("sluice-api") } } }),
              accessKey));
    write("raw-access-with-stream-key", 0,
          signedToken(standardHeader(true), accessClaims, streamKey));
    write("raw-stream-with-access-key", 0,
          signedToken(standardHeader(false), streamClaims, accessKey));
    write("raw-stream-typ-access-claims", 0,
          signedToken(
              standardHeader(false),
              claimsJson(true, { { QStringLiteral("aud"), QStringLiteral("sluice-stream") } }),
              streamKey));
    write("raw-access-with-sid", 0,
          signedToken(
              standardHeader(true),
              claimsJson(true, { { QStringLiteral("sid"), sid }, { QStringLiteral("pid"), pid } }),
              accessKey));
    write("raw-huge", 0,
          signedToken(standardHeader(true),
                      claimsJson(true, { { QStringLiteral("pad"), QString(5900, u'x') } }),
                      accessKey));
    write("raw-over-limit", 0,
          signedToken(standardHeader(true),
                      claimsJson(true, { { QStringLiteral("pad"), QString(6200, u'x') } }),
                      accessKey));
    write("raw-non-base64", 0,
          QByteArrayLiteral(
              "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.ey+/=.c2lnbmF0dXJl==\xc3\xa9 \r\n\x00."));
    write("raw-padded", 0,
          base64Url(standardHeader(true)) + "==." + base64Url(accessClaims) + '.'
              + hmac(EVP_sha256(), accessKey,
                     base64Url(standardHeader(true)) + '.' + base64Url(accessClaims))
                    .toBase64());
    write("raw-two-dots", 0, "a.b");
    write("raw-four-segments", 0, tokens.mintAccessToken(user, at)->token + ".eA");
    write("raw-empty-segments", 0, "..");

    // Re-signed claims (modes 2 and 3): the verifier's claim rules behind a valid MAC.
    auto signAccess = [&](const char *name, const QByteArray &header, const QByteArray &claims,
                          int clock = 0) {
        write(name, char(2 | (clock << 2)), header.isEmpty() ? claims : header + '\n' + claims);
    };
    auto signStream = [&](const char *name, const QByteArray &header, const QByteArray &claims,
                          int clock = 0) {
        write(name, char(3 | (clock << 2)), header.isEmpty() ? claims : header + '\n' + claims);
    };
    signAccess("sign-access", standardHeader(true), accessClaims);
    signAccess("sign-access-claims-only", {}, claimsJson(true, { { QStringLiteral("fam"), fam } }));
    signStream("sign-stream", standardHeader(false), streamClaims);
    signStream("sign-stream-claims-only", {},
               claimsJson(false, { { QStringLiteral("fam"), fam } }));
    signStream("sign-stream-no-pid", {}, claimsJson(false, {}, { QStringLiteral("pid") }));
    signAccess("sign-access-exp-before-iat", {},
               claimsJson(true, { { QStringLiteral("exp"), t0 - 1 } }), 1);
    signAccess("sign-access-exp-float", {},
               claimsJson(true, { { QStringLiteral("exp"), double(t0) + 0.5 } }));
    signAccess("sign-access-exp-string", {},
               claimsJson(true, { { QStringLiteral("exp"), QString::number(t0 + 900) } }));
    signAccess("sign-access-exp-huge", {}, claimsJson(true, { { QStringLiteral("exp"), 1e300 } }));
    signAccess("sign-access-nbf-future", {},
               claimsJson(true, { { QStringLiteral("nbf"), t0 + 3600 } }));
    signAccess("sign-access-no-jti", {}, claimsJson(true, {}, { QStringLiteral("jti") }));
    signAccess("sign-access-empty-sub", {},
               claimsJson(true, { { QStringLiteral("sub"), QString() } }));
    signAccess("sign-access-sub-number", {}, claimsJson(true, { { QStringLiteral("sub"), 42 } }));
    signAccess("sign-access-iss-other", {},
               claimsJson(true, { { QStringLiteral("iss"), QStringLiteral("sluice-server ") } }));
    signAccess("sign-access-alg-none", "{\"alg\":\"none\",\"typ\":\"at+jwt\"}", accessClaims);
    signAccess("sign-access-typ-stream", standardHeader(false), accessClaims);
    signAccess("sign-access-dup-keys", standardHeader(true),
               "{\"iss\":\"sluice-server\",\"sub\":\"a\",\"sub\":\"b\",\"aud\":\"sluice-api\","
               "\"jti\":\"j\",\"iat\":1767225600,\"nbf\":1767225600,\"exp\":1767226500}");
    signAccess("sign-access-unicode", standardHeader(true),
               "{\"iss\":\"sluice-server\",\"sub\":\"\\u0000\\ud800\",\"aud\":\"sluice-ap\\u0129\","
               "\"jti\":\"\xf0\x9f\x94\x91\",\"iat\":1767225600,\"nbf\":1767225600,"
               "\"exp\":1767226500}");
    signStream("sign-stream-as-array", standardHeader(false), "[1,2,3]");
    write("sign-foreign-key", char(2 | (1 << 5)), accessClaims);
    std::fprintf(stderr, "fuzz_jwt: wrote %d seeds to %s\n", written, qPrintable(dir));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    QLoggingCategory::setFilterRules(QStringLiteral("sluice.*=false"));
    const QString seeds = qEnvironmentVariable("SLUICE_FUZZ_WRITE_SEEDS");
    if (!seeds.isEmpty()) {
        writeSeeds(seeds);
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const std::uint8_t control = data[0];
    const QByteArray rest(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const qint64 now = t0 + clockOffsets[(control >> 2) & 7];

    const int mode = control & 3;
    if (mode < 2) {
        checkToken(rest, now, std::nullopt, false);
        return 0;
    }
    const bool access = mode == 2;
    const bool foreign = (control & 0x20) != 0;
    const qsizetype newline = rest.indexOf('\n');
    const QByteArray header = newline < 0 ? standardHeader(access) : rest.left(newline);
    const QByteArray claims = newline < 0 ? rest : rest.mid(newline + 1);
    const QByteArray &key = foreign ? otherKey : access ? accessKey : streamKey;
    checkToken(signedToken(header, claims, key), now, access, foreign);
    return 0;
}
