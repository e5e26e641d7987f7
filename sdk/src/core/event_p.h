// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Event.h>

#include <QtCore/QSharedData>
#include <QtCore/QString>

namespace Sluice {

class EventData : public QSharedData
{
public:
    QString type = QStringLiteral("message");
    QString data;
    QString lastEventId;
    QString origin;
};

// The library's way to fill an Event without building a new one for every dispatched event.
class EventBuilder
{
public:
    // True when `event` holds data that nothing else shares.
    static bool isReusable(const Event &event)
    {
        const EventData *current = event.d.constData();
        return current && current->ref.loadAcquire() == 1;
    }

    // The data of `event` to overwrite in place: its own when nothing else shares it (no copy of
    // the event was kept since it was last dispatched), otherwise a new one, so that a copy
    // somebody kept never changes. `event` may be moved-from.
    static EventData &reusableData(Event &event)
    {
        if (!isReusable(event))
            event.d = new EventData;
        return *event.d.data(); // unshared: data() does not copy
    }

    // The fields of `event` without copying them (`event` must not be moved-from).
    static const EventData &data(const Event &event) { return *event.d.constData(); }

    // Makes `target` share `value`; no reference counting when it already does (the same
    // characters at the same address: the same string, or the same literal).
    static void assignShared(QString &target, const QString &value)
    {
        if (target.constData() != value.constData() || target.size() != value.size())
            target = value;
    }
};

} // namespace Sluice
