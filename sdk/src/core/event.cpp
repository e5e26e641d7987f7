// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/Event.h>

#include "core/event_p.h"

namespace Sluice {

Event::Event()
    : d(new EventData)
{ }

Event::Event(const QString &type, const QString &data, const QString &lastEventId,
             const QString &origin)
    : d(new EventData)
{
    EventData &e = *d.data();
    e.type = type;
    e.data = data;
    e.lastEventId = lastEventId;
    e.origin = origin;
}

Event::Event(const Event &other) = default;
Event::Event(Event &&other) noexcept = default;
Event &Event::operator=(const Event &other) = default;
Event &Event::operator=(Event &&other) noexcept = default;
Event::~Event() = default;

QString Event::type() const
{
    return d->type;
}

QString Event::data() const
{
    return d->data;
}

QString Event::lastEventId() const
{
    return d->lastEventId;
}

QString Event::origin() const
{
    return d->origin;
}

bool Event::operator==(const Event &other) const
{
    return d == other.d
        || (d->type == other.d->type && d->data == other.d->data
            && d->lastEventId == other.d->lastEventId && d->origin == other.d->origin);
}

} // namespace Sluice
