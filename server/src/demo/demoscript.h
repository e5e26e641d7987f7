// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// DemoScript: the steps of one demo agent run, either simulated (a small coding-agent session:
// message deltas, a file read, a command run, their results, a final message, done) or read from
// a recorded transcript (JSON lines: {"delay_ms": 120, "type": "message", "data": {...}}).
//
// Event data shapes (what clients of the demo see):
//   message      {"delta": "text"}                 streamed text; the last one
//                {"text": "full text", "final": true}
//   tool_use     {"id": "toolu_…", "name": "read_file", "input": {...}}
//   tool_result  {"tool_use_id": "toolu_…", "content": "...", "is_error": false}
//   status       {"state": "running"}
//   done         {"reason": "end_turn", "usage": {"input_tokens": n, "output_tokens": n}}
#pragma once

#include "stream/eventtype.h"

#include <QtCore/QJsonValue>
#include <QtCore/QList>
#include <QtCore/QString>

#include <optional>

namespace Sluice::Server {

struct DemoStep
{
    int delayMs = 0; // pause before this step, at speed 1
    EventType type = EventType::Message;
    QJsonValue data;
};

namespace DemoScript {

// A simulated run answering `promptText`; `seed` varies ids and pacing (same seed → same run).
QList<DemoStep> simulatedRun(const QString &promptText, quint32 seed);

// Reads a transcript; a run that does not end with `done` gets one appended. nullopt with
// *error ("line N: ...") for an unreadable file, invalid JSON, unknown type or a negative delay.
std::optional<QList<DemoStep>> loadTranscript(const QString &path, QString *error);

} // namespace DemoScript
} // namespace Sluice::Server
