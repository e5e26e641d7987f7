// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QString>
#include <QtCore/QUrl>

namespace SluiceStream {

// The URL as it may appear in logs: no user info, and the value of every query parameter whose
// name looks like a credential (token, key, secret, password, auth, sig, code) replaced by
// "REDACTED". Sluice stream URLs carry `?stream_token=` (BRIEF: "Token-bearing URLs are redacted
// in every log line").
QString redactedUrl(const QUrl &url);

// True when a query parameter of this name may carry a credential.
bool isSensitiveQueryName(const QString &name);

} // namespace SluiceStream
