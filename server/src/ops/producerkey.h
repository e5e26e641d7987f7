// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Producer key: lets an external agent runner append events to any prompt
// (`POST .../prompts/{pid}/events`) without a user's access token.
//
// Configured with SLUICE_PRODUCER_KEY (the key itself) or --producer-key-file /
// SLUICE_PRODUCER_KEY_FILE; unset means producers must use an owner's Bearer token. The request
// presents it in the `X-Sluice-Producer-Key` header (never in the URL, never logged). Compared in
// constant time.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>

class QHttpServerRequest;

namespace Sluice::Server {

struct ServerConfig;

namespace ProducerKey {

inline constexpr char headerName[] = "X-Sluice-Producer-Key";
inline constexpr qsizetype minimumLength = 16;

enum class Check {
    Absent, // the request carries no producer key header
    Valid,
    Invalid, // a header is present but does not match (or no key is configured) → 401
    Ambiguous, // the header is present more than once → 400
};

Check check(const ServerConfig &config, const QHttpServerRequest &request);
// Fills config.producerKey from `envKey` (SLUICE_PRODUCER_KEY) or config.producerKeyFile (the
// file wins; surrounding whitespace is ignored; see Secrets::readFile for its permissions). False
// with *error when the key is too short or the file cannot be read. Neither set: no producer key.
bool load(ServerConfig &config, const QByteArray &envKey, QString *error);
bool matches(const QByteArray &configured, const QByteArray &presented);

} // namespace ProducerKey
} // namespace Sluice::Server
