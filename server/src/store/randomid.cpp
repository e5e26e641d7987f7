// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/randomid.h"

#include <openssl/rand.h>

#include <cstdlib>

namespace Sluice::Server {

QByteArray secureRandomBytes(int bytes)
{
    QByteArray out(bytes, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), bytes) != 1)
        return {};
    return out;
}

QString newRandomId()
{
    const QByteArray bytes = secureRandomBytes(16);
    if (bytes.isEmpty())
        std::abort(); // no entropy: refusing to continue beats issuing guessable ids
    return QString::fromLatin1(bytes.toHex());
}

} // namespace Sluice::Server
