// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QDateTime>
#include <QtCore/QJsonValue>
#include <QtCore/QList>
#include <QtCore/QString>

namespace SluiceViewer {

// One row of a prompt's timeline: a run of message deltas assembled into text, a tool call with
// its result, or a single status / error / done event.
struct TimelineEntry
{
    enum class Kind {
        Text, // `message` deltas in a row (or a final text nobody streamed)
        Tool, // `tool_use`, and its `tool_result` once it arrives
        ToolResult, // a `tool_result` whose `tool_use` is not in this timeline
        Status,
        Error,
        Done,
        Other, // an event type this viewer does not know
    };

    Kind kind = Kind::Other;
    // Stable for the row's life: the index of its first event in the model's event log.
    int key = 0;
    // Bumped on every change, so views can cache what they computed for a row.
    int revision = 0;
    QList<int> events; // indexes into the model's event log
    QDateTime time; // when the first event arrived
    QDateTime updated; // when the last one arrived
    QString type; // the first event's type
    // Text: the assembled message; Status, Error, Done, Other: a one-line summary.
    QString text;
    bool final = false; // Text: the final message confirmed this text (or is it)

    QString toolUseId;
    QString toolName;
    QString toolInput; // pretty-printed JSON
    bool hasResult = false;
    bool resultIsError = false;
    QString resultText;
    bool expanded = true; // Tool, ToolResult: input and result shown in full

    // Plain text for screen readers, tooltips and the display role.
    QString summary() const;
    // What the search box matches (case-insensitively).
    QString searchText() const;
    bool isCard() const { return kind == Kind::Tool || kind == Kind::ToolResult; }

    // A tool_result's `content` as text: a string as it is, content blocks' text joined,
    // anything else as JSON.
    static QString contentText(const QJsonValue &content);
};

} // namespace SluiceViewer
