// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The kinds of events a prompt's log holds, and the one place their wire names are written.
// (`connected`, sent at the start of every stream, is not in the log and not one of them.)
#pragma once

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QStringView>

#include <optional>

namespace Sluice::Server {

enum class EventType {
    Message, // "message": text deltas, then the final text
    ToolUse, // "tool_use"
    ToolResult, // "tool_result"
    Status, // "status"
    Error, // "error": the agent's error (not a transport error)
    Done, // "done": the last event of a prompt
};

QString eventTypeName(EventType type);
std::optional<EventType> parseEventType(QStringView name);
// Every name, in the order above (for error messages and documentation).
QStringList eventTypeNames();

} // namespace Sluice::Server
