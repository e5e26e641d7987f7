// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/sluice_global.h>

#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace Sluice {

class EventData;

/// One dispatched server-sent event, as the WHATWG spec's MessageEvent describes it.
/// Implicitly shared: copying is cheap.
class SLUICE_EXPORT Event
{
    Q_GADGET
    Q_PROPERTY(QString type READ type)
    Q_PROPERTY(QString data READ data)
    Q_PROPERTY(QString lastEventId READ lastEventId)
    Q_PROPERTY(QString origin READ origin)
public:
    Event();
    /// An event as the parser dispatches it (mostly for tests and producers of events).
    Event(const QString &type, const QString &data, const QString &lastEventId = {},
          const QString &origin = {});
    /// Copies `other`: the data is shared until one of them changes.
    Event(const Event &other);
    /// Moves from `other`, which may then only be assigned to or destroyed.
    Event(Event &&other) noexcept;
    /// Assigns a copy of `other` (shared until one of them changes).
    Event &operator=(const Event &other);
    /// Move-assigns `other`, which may then only be assigned to or destroyed.
    Event &operator=(Event &&other) noexcept;
    ~Event();
    /// Swaps this value with `other`; never fails.
    void swap(Event &other) noexcept { d.swap(other.d); }

    /// The event type: the stream's `event:` field, "message" when absent.
    QString type() const;
    /// The `data:` lines joined with "\n" (no trailing newline).
    QString data() const;
    /// The last event ID buffer at dispatch time (persists across events until an `id:` changes
    /// it).
    QString lastEventId() const;
    /// Serialisation of the stream URL's origin (scheme://host[:port]); set by EventSource.
    QString origin() const;

    /// True when both hold equal values.
    bool operator==(const Event &other) const;
    /// The opposite of operator==().
    bool operator!=(const Event &other) const { return !(*this == other); }

private:
    friend class EventBuilder;
    QSharedDataPointer<EventData> d;
};

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::Event)
Q_DECLARE_METATYPE(Sluice::Event)
