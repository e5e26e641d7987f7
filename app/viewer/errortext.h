// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>

#include <QtCore/QString>
#include <QtCore/QUrl>

#include <chrono>
#include <optional>

namespace SluiceViewer {

// What the sign-in dialog says about a failed sign-in: one sentence an operator can act on
// (wrong password, wait N s, the server cannot be reached, the TLS handshake failed), with the
// SDK's message for the details. Never contains a secret (the SDK's messages do not).
// `waitLeft` replaces the server's Retry-After in the text (a countdown).
QString signInErrorText(const Sluice::Error &error, const QUrl &serverUrl,
                        std::optional<std::chrono::milliseconds> waitLeft = std::nullopt);

// How long to wait before trying again, when the server said (429 rate limit, 503 busy).
std::optional<std::chrono::milliseconds> signInRetryDelay(const Sluice::Error &error);

// "45 s", "2 min 5 s": a wait rounded up to the second.
QString waitText(std::chrono::milliseconds wait);

} // namespace SluiceViewer
