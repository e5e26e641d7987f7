// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// The one rule for showing a URL in a log line, an error message or a status line: stream tokens
// travel in query strings, so every query value whose name looks like a credential is replaced by
// REDACTED, and user info and fragments are dropped. Used by the SDK, sluice-stream and the
// server's request log.

#include <QtCore/QString>
#include <QtCore/QStringView>
#include <QtCore/QUrl>

namespace Sluice::Common {

inline constexpr char redactedMarker[] = "REDACTED";

// True when a query parameter of this name may carry a credential: its name contains token, key,
// secret, passw(or)d, auth, sig, code, session or jwt (ASCII case-insensitive).
bool isSensitiveQueryName(QStringView name);

// scheme://host[:port]/path?query, user info and fragment removed, sensitive values redacted.
QString redactedUrl(const QUrl &url);
// The same as a request target: /path?query.
QString redactedTarget(const QUrl &url);

} // namespace Sluice::Common
