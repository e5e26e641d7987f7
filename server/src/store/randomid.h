// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Random, non-sequential identifiers (128 bits from the OS CSPRNG via OpenSSL, lowercase hex).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>

namespace Sluice::Server {

// `bytes` random bytes from RAND_bytes; empty on the (practically impossible) failure.
QByteArray secureRandomBytes(int bytes);

// 32 lowercase hex characters (128 bits).
QString newRandomId();

} // namespace Sluice::Server
