// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "timelineentry.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

namespace SluiceViewer {

QString TimelineEntry::contentText(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    if (content.isArray()) {
        // Anthropic-style content blocks: [{"type": "text", "text": "..."}, ...]
        QStringList texts;
        const QJsonArray blocks = content.toArray();
        for (const QJsonValue &block : blocks) {
            const QJsonValue text = block.toObject().value(QLatin1String("text"));
            if (!text.isString())
                return QString::fromUtf8(QJsonDocument(blocks).toJson(QJsonDocument::Indented));
            texts.append(text.toString());
        }
        return texts.join(u'\n');
    }
    if (content.isObject())
        return QString::fromUtf8(QJsonDocument(content.toObject()).toJson(QJsonDocument::Indented));
    if (content.isUndefined() || content.isNull())
        return {};
    // A number or a bool: wrapped to serialise, unwrapped again.
    const QByteArray json = QJsonDocument(QJsonArray { content }).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(json.mid(1, json.size() - 2));
}

QString TimelineEntry::summary() const
{
    switch (kind) {
    case Kind::Text:
        return final ? QStringLiteral("Message (final): %1").arg(text)
                     : QStringLiteral("Message: %1").arg(text);
    case Kind::Tool: {
        QString s = QStringLiteral("Tool %1 (%2)").arg(toolName, toolUseId);
        if (hasResult)
            s += resultIsError ? QStringLiteral(", failed: ") : QStringLiteral(", result: ");
        else
            s += QStringLiteral(", waiting for its result");
        if (hasResult)
            s += resultText.section(u'\n', 0, 0);
        return s;
    }
    case Kind::ToolResult:
        return QStringLiteral("Result of tool %1%2: %3")
            .arg(toolUseId, resultIsError ? QStringLiteral(" (error)") : QString(),
                 resultText.section(u'\n', 0, 0));
    case Kind::Status:
        return QStringLiteral("Status: %1").arg(text);
    case Kind::Error:
        return QStringLiteral("Error: %1").arg(text);
    case Kind::Done:
        return QStringLiteral("Done: %1").arg(text);
    case Kind::Other:
        return QStringLiteral("%1: %2").arg(type, text);
    }
    return text;
}

QString TimelineEntry::searchText() const
{
    if (isCard()) {
        QString s;
        s.reserve(toolName.size() + toolUseId.size() + toolInput.size() + resultText.size() + 3);
        s.append(toolName).append(u'\n').append(toolUseId).append(u'\n');
        s.append(toolInput).append(u'\n').append(resultText);
        return s;
    }
    return text;
}

} // namespace SluiceViewer
