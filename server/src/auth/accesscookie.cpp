// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/accesscookie.h"

namespace Sluice::Server::AccessCookie {

namespace {
const QByteArray path = QByteArrayLiteral("/api/claude-code");
} // namespace

QByteArray name(bool secure)
{
    return secure ? QByteArrayLiteral("__Secure-sluice_access")
                  : QByteArrayLiteral("sluice_access");
}

QByteArray setCookieHeader(bool secure, const QByteArray &token, qint64 maxAgeSeconds)
{
    QByteArray cookie = name(secure);
    cookie += '=';
    cookie += token;
    cookie += QByteArrayLiteral("; HttpOnly; SameSite=Lax; Path=");
    cookie += path;
    cookie += QByteArrayLiteral("; Max-Age=");
    cookie += QByteArray::number(maxAgeSeconds);
    if (secure)
        cookie += QByteArrayLiteral("; Secure");
    return cookie;
}

} // namespace Sluice::Server::AccessCookie
