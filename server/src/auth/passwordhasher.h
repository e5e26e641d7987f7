// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PasswordHasher: scrypt (OpenSSL) password hashes with their parameters and salt stored in a
// PHC-like string: $scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64> (unpadded standard base64).
#pragma once

#include <QtCore/QByteArray>

#include <optional>

namespace Sluice::Server {

struct ScryptParameters
{
    int logN = 15; // N = 2^logN: ~50 ms and 32 MiB per hash
    int r = 8;
    int p = 1;
    friend bool operator==(const ScryptParameters &, const ScryptParameters &) = default;
};

class PasswordHasher
{
public:
    using Parameters = ScryptParameters;

    static constexpr int minimumPasswordLength = 8;
    static constexpr int maximumPasswordLength = 1024;

    // Returns an empty array on failure (OpenSSL error, out-of-range parameters).
    static QByteArray hash(const QByteArray &password, const Parameters &parameters = {});

    // Constant-time comparison (CRYPTO_memcmp). False for malformed or tampered strings.
    static bool verify(const QByteArray &password, const QByteArray &encoded);

    // Parses the parameters of an encoded hash; nullopt when malformed or out of range.
    static std::optional<Parameters> parameters(const QByteArray &encoded);

    // Runs a full verification against a fixed dummy hash, so that a login for an unknown user
    // costs the same time as one with a wrong password. Always returns false.
    static bool verifyDummy(const QByteArray &password);
};

} // namespace Sluice::Server
