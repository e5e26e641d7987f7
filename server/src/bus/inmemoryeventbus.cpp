// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "bus/inmemoryeventbus.h"

namespace Sluice::Server {

void InMemoryEventBus::publish(const BusEvent &event)
{
    const auto it = m_subscribers.constFind(event.promptId);
    if (it == m_subscribers.cend())
        return;
    // Subscribers may (un)subscribe while we deliver: iterate over a snapshot and skip the ones
    // that left in the meantime.
    const QList<EventSubscriber *> snapshot = it.value();
    for (EventSubscriber *subscriber : snapshot) {
        const auto current = m_subscribers.constFind(event.promptId);
        if (current == m_subscribers.cend())
            return;
        if (current.value().contains(subscriber))
            subscriber->onBusEvent(event);
    }
}

void InMemoryEventBus::subscribe(const QString &promptId, EventSubscriber *subscriber)
{
    QList<EventSubscriber *> &list = m_subscribers[promptId];
    if (!list.contains(subscriber))
        list.append(subscriber);
}

void InMemoryEventBus::unsubscribe(const QString &promptId, EventSubscriber *subscriber)
{
    const auto it = m_subscribers.find(promptId);
    if (it == m_subscribers.end())
        return;
    it.value().removeAll(subscriber);
    if (it.value().isEmpty())
        m_subscribers.erase(it);
}

qsizetype InMemoryEventBus::subscriberCount(const QString &promptId) const
{
    return m_subscribers.value(promptId).size();
}

} // namespace Sluice::Server
