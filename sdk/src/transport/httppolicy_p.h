// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// EventSource's HTTP rules, as pure functions: what a status means, which content type opens a
// stream, how Retry-After reads, what an origin is, how a URL is written in a log line.

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <chrono>
#include <optional>

namespace Sluice::HttpPolicy {

enum class StatusAction {
    Open, // 200: check the content type, then stream
    CloseForGood, // 204: the server says stop reconnecting
    Redirect, // 301, 302, 303, 307, 308: follow (within the redirect limit)
    Retry, // 5xx, 408, 429: back off and reconnect
    AuthFailure, // 401, 403: close, or retry with fresh credentials (AuthFailurePolicy)
    Fail, // everything else: report and close
};

StatusAction actionForStatus(int status);

// "text/event-stream", parameters allowed, case-insensitive, surrounding spaces ignored.
bool isEventStream(const QByteArray &contentType);

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850, asctime), relative to
// `now`; past dates give 0. nullopt when absent or unparsable.
std::optional<std::chrono::milliseconds> parseRetryAfter(const QByteArray &value,
                                                         const QDateTime &now);

// The method of the next request after a redirect: 303 switches to GET (except HEAD), 301/302
// switch POST to GET (as browsers do); 307/308 keep the method. `keepsBody` tells whether the
// body is sent again.
QByteArray methodAfterRedirect(int status, const QByteArray &method, bool *keepsBody);

// ASCII serialisation of the URL's origin: scheme://host[:port], default port omitted.
QString serializeOrigin(const QUrl &url);
bool sameOrigin(const QUrl &a, const QUrl &b);

} // namespace Sluice::HttpPolicy
