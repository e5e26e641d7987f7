// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/passwordhasher.h"

#include "logging.h"

#include <QtCore/QList>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace Sluice::Server {

namespace {

constexpr int saltBytes = 16;
constexpr int hashBytes = 32;
constexpr auto base64Options = QByteArray::OmitTrailingEquals;

bool parametersInRange(const PasswordHasher::Parameters &p)
{
    // Bounds keep a tampered database from turning a login into a memory/CPU bomb.
    constexpr uint64_t maxWorkingMemory = uint64_t(1) << 30;
    return p.logN >= ScryptParameters::minimumLogN && p.logN <= ScryptParameters::maximumLogN
        && p.r >= 1 && p.r <= 32 && p.p >= 1 && p.p <= 16
        && 128 * uint64_t(p.r) * (uint64_t(1) << p.logN) <= maxWorkingMemory;
}

std::optional<QByteArray> derive(const QByteArray &password, const QByteArray &salt,
                                 const PasswordHasher::Parameters &p)
{
    QByteArray out(hashBytes, Qt::Uninitialized);
    const uint64_t n = uint64_t(1) << p.logN;
    // 128 * r * N bytes of working memory, plus a margin: OpenSSL refuses anything above maxmem
    // (32 MiB when left at 0, less than N = 2^17 needs).
    const uint64_t maxMem = 128 * uint64_t(p.r) * n * uint64_t(p.p) + (uint64_t(16) << 20);
    if (EVP_PBE_scrypt(password.constData(), size_t(password.size()),
                       reinterpret_cast<const unsigned char *>(salt.constData()),
                       size_t(salt.size()), n, uint64_t(p.r), uint64_t(p.p), maxMem,
                       reinterpret_cast<unsigned char *>(out.data()), size_t(out.size()))
        != 1) {
        qCWarning(lcAuth, "scrypt failed");
        return std::nullopt;
    }
    return out;
}

struct Parsed
{
    PasswordHasher::Parameters parameters;
    QByteArray salt;
    QByteArray hash;
};

std::optional<int> parseField(const QByteArray &field, const char *name)
{
    const QByteArray prefix = QByteArray(name) + '=';
    if (!field.startsWith(prefix))
        return std::nullopt;
    bool ok = false;
    const QByteArray digits = field.mid(prefix.size());
    if (digits.isEmpty() || digits.size() > 3)
        return std::nullopt;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
    }
    const int value = digits.toInt(&ok);
    return ok ? std::optional<int>(value) : std::nullopt;
}

std::optional<QByteArray> decodeBase64(const QByteArray &text, int expectedSize)
{
    auto result = QByteArray::fromBase64Encoding(
        text, QByteArray::AbortOnBase64DecodingErrors | QByteArray::OmitTrailingEquals);
    if (!result || result.decoded.size() != expectedSize)
        return std::nullopt;
    // Reject non-canonical encodings so one hash has exactly one string form.
    if (result.decoded.toBase64(base64Options) != text)
        return std::nullopt;
    return result.decoded;
}

std::optional<Parsed> parse(const QByteArray &encoded)
{
    // "", "scrypt", "ln=..,r=..,p=..", salt, hash
    const QList<QByteArray> parts = encoded.split('$');
    if (parts.size() != 5 || !parts.at(0).isEmpty() || parts.at(1) != "scrypt")
        return std::nullopt;
    const QList<QByteArray> fields = parts.at(2).split(',');
    if (fields.size() != 3)
        return std::nullopt;
    const auto ln = parseField(fields.at(0), "ln");
    const auto r = parseField(fields.at(1), "r");
    const auto p = parseField(fields.at(2), "p");
    if (!ln || !r || !p)
        return std::nullopt;
    Parsed parsed;
    parsed.parameters = { *ln, *r, *p };
    if (!parametersInRange(parsed.parameters))
        return std::nullopt;
    const auto salt = decodeBase64(parts.at(3), saltBytes);
    const auto hash = decodeBase64(parts.at(4), hashBytes);
    if (!salt || !hash)
        return std::nullopt;
    parsed.salt = *salt;
    parsed.hash = *hash;
    return parsed;
}

} // namespace

QByteArray PasswordHasher::hash(const QByteArray &password, const Parameters &parameters)
{
    if (!parametersInRange(parameters))
        return {};
    QByteArray salt(saltBytes, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(salt.data()), saltBytes) != 1)
        return {};
    const auto derived = derive(password, salt, parameters);
    if (!derived)
        return {};
    return "$scrypt$ln=" + QByteArray::number(parameters.logN)
        + ",r=" + QByteArray::number(parameters.r) + ",p=" + QByteArray::number(parameters.p) + '$'
        + salt.toBase64(base64Options) + '$' + derived->toBase64(base64Options);
}

bool PasswordHasher::verify(const QByteArray &password, const QByteArray &encoded)
{
    const auto parsed = parse(encoded);
    if (!parsed)
        return false;
    const auto derived = derive(password, parsed->salt, parsed->parameters);
    if (!derived || derived->size() != parsed->hash.size())
        return false;
    return CRYPTO_memcmp(derived->constData(), parsed->hash.constData(), size_t(derived->size()))
        == 0;
}

std::optional<PasswordHasher::Parameters> PasswordHasher::parameters(const QByteArray &encoded)
{
    const auto parsed = parse(encoded);
    return parsed ? std::optional<Parameters>(parsed->parameters) : std::nullopt;
}

bool PasswordHasher::needsRehash(const QByteArray &encoded, const Parameters &current)
{
    const auto stored = parameters(encoded);
    return !stored || stored->logN < current.logN || stored->r < current.r || stored->p < current.p;
}

bool PasswordHasher::verifyDummy(const QByteArray &password, const Parameters &parameters)
{
    // A well-formed hash string: verify() runs exactly one full scrypt against it, and the
    // comparison fails whatever the password (the "hash" is not the output of any derivation).
    const QByteArray dummy = "$scrypt$ln=" + QByteArray::number(parameters.logN)
        + ",r=" + QByteArray::number(parameters.r) + ",p=" + QByteArray::number(parameters.p) + '$'
        + QByteArray(saltBytes, '\x5a').toBase64(base64Options) + '$'
        + QByteArray(hashBytes, '\0').toBase64(base64Options);
    verify(password, dummy);
    return false;
}

} // namespace Sluice::Server
