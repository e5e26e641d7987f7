// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// InMemoryEventBus: the single-process EventBus. publish() delivers synchronously to the prompt's
// current subscribers, in subscription order.
//
// Cost: subscribe, unsubscribe and each delivery are O(1) per subscriber (a prompt may have
// thousands). A prompt's subscribers sit in a list in subscription order, with a hash from
// subscriber to slot; unsubscribing clears the slot (a tombstone) instead of shifting the list,
// and the list is compacted once tombstones outnumber the live ones and nobody iterates it.
// Delivery walks the slots that existed when publish() began and skips cleared ones, so a
// subscriber that leaves during delivery gets nothing more, and one that joins gets the next event.
#pragma once

#include "bus/eventbus.h"

#include <QtCore/QHash>
#include <QtCore/QList>

#include <memory>

namespace Sluice::Server {

class InMemoryEventBus final : public EventBus
{
public:
    void publish(const BusEvent &event) override;
    void subscribe(const QString &promptId, EventSubscriber *subscriber) override;
    void unsubscribe(const QString &promptId, EventSubscriber *subscriber) override;

    qsizetype subscriberCount(const QString &promptId) const;
    // Every (prompt, subscriber) pair now, and whether one is still subscribed (a walk over the
    // snapshot may end streams, which unsubscribes them).
    QList<std::pair<QString, EventSubscriber *>> subscriptions() const;
    bool isSubscribed(const QString &promptId, EventSubscriber *subscriber) const;

private:
    struct Topic
    {
        QList<EventSubscriber *> order; // subscription order; nullptr: left
        QHash<EventSubscriber *, qsizetype> slotOf;
        qsizetype cleared = 0;
        int delivering = 0; // publish() depth; slots must not move while > 0
    };

    void tidy(const QString &promptId, Topic &topic);

    // shared_ptr: a Topic stays put while publish() walks it, whatever the hash does meanwhile.
    QHash<QString, std::shared_ptr<Topic>> m_topics;
};

} // namespace Sluice::Server
