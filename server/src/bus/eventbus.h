// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// EventBus: fan-out of freshly appended prompt events inside the server (and, later, between
// server instances). The durable log (Store::appendEvent) is the source of truth; the bus only
// tells live subscribers "prompt P has event N now". A subscriber must tolerate duplicates,
// gaps and late delivery (a networked bus gives no ordering guarantee across reconnects): the
// stream fills gaps from the log and drops ids it has already sent.
//
// Threading: used from the event-loop thread only. Delivery may be synchronous (in-memory) or
// later (a networked implementation); subscribers must not assume either.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <optional>

namespace Sluice::Server {

struct BusEvent
{
    QString promptId;
    qint64 seq = 0; // the event's sequence number in the prompt's log
    QString type;
    QByteArray data; // compact JSON
    // The event's SSE frame (SseFrame::event of seq, type, data), built once by the publisher so
    // that every subscriber writes the same implicitly shared bytes instead of framing its own
    // copy. Empty: each subscriber frames the event itself (a networked bus need not carry it).
    QByteArray frame {};
};

class EventSubscriber
{
public:
    virtual ~EventSubscriber() = default;
    virtual void onBusEvent(const BusEvent &event) = 0;
    // Events may have been missed (a networked bus reconnected): re-read the log from the
    // position reached.
    virtual void onBusResync() { }
};

class EventBus
{
public:
    virtual ~EventBus() = default;

    virtual void publish(const BusEvent &event) = 0;
    // A subscriber may unsubscribe itself (or others) from inside onBusEvent().
    virtual void subscribe(const QString &promptId, EventSubscriber *subscriber) = 0;
    virtual void unsubscribe(const QString &promptId, EventSubscriber *subscriber) = 0;
    // A user's or sign-in's tokens were revoked here: other instances should check their streams
    // now (a single process has nobody to tell).
    virtual void announceRevocation() { }
    // A networked bus: whether it is connected now (GET /healthz); nullopt for an in-process one.
    virtual std::optional<bool> reachable() const { return std::nullopt; }
};

} // namespace Sluice::Server
