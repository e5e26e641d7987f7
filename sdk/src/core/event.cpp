// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/Event.h>

namespace Sluice {

class EventData : public QSharedData
{
public:
    QString type = QStringLiteral("message");
    QString data;
    QString lastEventId;
    QString origin;
};

Event::Event()
    : d(new EventData)
{ }

Event::Event(const QString &type, const QString &data, const QString &lastEventId,
             const QString &origin)
    : d(new EventData)
{
    d->type = type;
    d->data = data;
    d->lastEventId = lastEventId;
    d->origin = origin;
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
