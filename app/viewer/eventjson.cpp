// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "eventjson.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

namespace SluiceViewer {

QByteArray eventJsonLine(const Sluice::Event &event)
{
    const QJsonObject object { { QStringLiteral("type"), event.type() },
                               { QStringLiteral("data"), event.data() },
                               { QStringLiteral("id"), event.lastEventId() } };
    QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    line.append('\n');
    return line;
}

QByteArray eventJsonLines(const QList<Sluice::Event> &events)
{
    QByteArray lines;
    for (const Sluice::Event &event : events)
        lines.append(eventJsonLine(event));
    return lines;
}

} // namespace SluiceViewer
