// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/eventtype.h"

namespace Sluice::Server {

namespace {
constexpr EventType allTypes[] = { EventType::Message, EventType::ToolUse, EventType::ToolResult,
                                   EventType::Status,  EventType::Error,   EventType::Done };
} // namespace

QString eventTypeName(EventType type)
{
    switch (type) {
    case EventType::Message:
        return QStringLiteral("message");
    case EventType::ToolUse:
        return QStringLiteral("tool_use");
    case EventType::ToolResult:
        return QStringLiteral("tool_result");
    case EventType::Status:
        return QStringLiteral("status");
    case EventType::Error:
        return QStringLiteral("error");
    case EventType::Done:
        return QStringLiteral("done");
    }
    return {};
}

std::optional<EventType> parseEventType(QStringView name)
{
    for (EventType type : allTypes) {
        if (name == eventTypeName(type))
            return type;
    }
    return std::nullopt;
}

QStringList eventTypeNames()
{
    QStringList names;
    for (EventType type : allTypes)
        names.append(eventTypeName(type));
    return names;
}

} // namespace Sluice::Server
