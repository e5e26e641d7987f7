// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The access cookie of cookie mode, in one place: its name and its Set-Cookie line.
//
// Over HTTPS (--behind-https) the cookie is `__Secure-sluice_access; Secure`: browsers only accept
// a __Secure- cookie from a secure origin and only send it back over HTTPS, so it cannot be planted
// or read over plain HTTP. Without HTTPS (development only: production refuses cookie mode without
// it) it is `sluice_access`. Always HttpOnly, SameSite=Lax, Path=/api/claude-code.
#pragma once

#include <QtCore/QByteArray>

namespace Sluice::Server::AccessCookie {

QByteArray name(bool secure);
// Max-Age 0 (and an empty token) clears it.
QByteArray setCookieHeader(bool secure, const QByteArray &token, qint64 maxAgeSeconds);

} // namespace Sluice::Server::AccessCookie
