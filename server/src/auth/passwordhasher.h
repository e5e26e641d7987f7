// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PasswordHasher: scrypt (OpenSSL) password hashes with their parameters and salt stored in a
// PHC-like string: $scrypt$ln=17,r=8,p=1$<salt b64>$<hash b64> (unpadded standard base64).
// Thread-safe (no state): logins run it on PasswordHashPool's workers.
#pragma once

#include <QtCore/QByteArray>

#include <optional>

namespace Sluice::Server {

struct ScryptParameters
{
    // OWASP's minimum for scrypt: N = 2^17, r = 8, p = 1 (128 MiB and a few hundred ms per hash).
    static constexpr int owaspLogN = 17;
    static constexpr int minimumLogN = 10;
    static constexpr int maximumLogN = 20;

    int logN = owaspLogN; // N = 2^logN
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

    // True when `encoded` was made with a lower cost than `current` in any parameter (or cannot
    // be parsed): after a successful verification the password should be hashed again.
    static bool needsRehash(const QByteArray &encoded, const Parameters &current);

    // Runs a full verification against a fixed dummy hash made with `parameters` (those of real
    // accounts), so that a login for an unknown user costs the same time as one with a wrong
    // password. Always returns false.
    static bool verifyDummy(const QByteArray &password, const Parameters &parameters = {});
};

} // namespace Sluice::Server
