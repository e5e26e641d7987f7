// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// SseFrame: the SSE wire format (WHATWG HTML §9.2), and nothing else. Every byte of event-stream
// framing the server sends is built here.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>

#include <chrono>

namespace Sluice::Server::SseFrame {

// `id: <id>` (omitted when id <= 0), `event: <type>` (omitted when empty), one `data:` line per
// line of `data` (LF, CR and CRLF all split lines, so no stray CR reaches the client), blank line.
QByteArray event(qint64 id, QByteArrayView type, QByteArrayView data);
// `: <text>` — CR/LF in `text` are replaced by spaces. Clients ignore comments (heartbeats).
QByteArray comment(QByteArrayView text);
// `retry: <ms>` — the client's reconnection delay hint.
QByteArray retry(std::chrono::milliseconds delay);

} // namespace Sluice::Server::SseFrame
