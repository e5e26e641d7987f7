// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "bus/inmemoryeventbus.h"

namespace Sluice::Server {

void InMemoryEventBus::publish(const BusEvent &event)
{
    const auto it = m_topics.constFind(event.promptId);
    if (it == m_topics.cend())
        return;
    // Held so the topic outlives its removal from m_topics by a subscriber during delivery.
    const std::shared_ptr<Topic> topic = it.value();
    ++topic->delivering;
    // Slots appended during delivery belong to later subscribers: they start with the next event.
    const qsizetype end = topic->order.size();
    for (qsizetype i = 0; i < end; ++i) {
        // Re-read every time: an earlier subscriber may have unsubscribed this one.
        if (EventSubscriber *subscriber = topic->order.at(i))
            subscriber->onBusEvent(event);
    }
    --topic->delivering;
    if (topic->delivering == 0) {
        const auto current = m_topics.find(event.promptId);
        if (current != m_topics.end() && current.value() == topic)
            tidy(event.promptId, *topic);
    }
}

void InMemoryEventBus::subscribe(const QString &promptId, EventSubscriber *subscriber)
{
    std::shared_ptr<Topic> &topic = m_topics[promptId];
    if (!topic)
        topic = std::make_shared<Topic>();
    if (topic->slotOf.contains(subscriber))
        return;
    topic->slotOf.insert(subscriber, topic->order.size());
    topic->order.append(subscriber);
}

void InMemoryEventBus::unsubscribe(const QString &promptId, EventSubscriber *subscriber)
{
    const auto it = m_topics.find(promptId);
    if (it == m_topics.end())
        return;
    Topic &topic = *it.value();
    const auto slot = topic.slotOf.find(subscriber);
    if (slot == topic.slotOf.end())
        return;
    topic.order[slot.value()] = nullptr;
    topic.slotOf.erase(slot);
    ++topic.cleared;
    if (topic.delivering == 0)
        tidy(promptId, topic);
}

void InMemoryEventBus::tidy(const QString &promptId, Topic &topic)
{
    if (topic.slotOf.isEmpty()) {
        m_topics.remove(promptId); // may destroy `topic`
        return;
    }
    // Amortised O(1): compacting n slots happens only after n / 2 unsubscribes.
    if (topic.cleared * 2 <= topic.order.size())
        return;
    QList<EventSubscriber *> live;
    live.reserve(topic.slotOf.size());
    for (EventSubscriber *subscriber : std::as_const(topic.order)) {
        if (subscriber) {
            topic.slotOf[subscriber] = live.size();
            live.append(subscriber);
        }
    }
    topic.order = std::move(live);
    topic.cleared = 0;
}

QList<std::pair<QString, EventSubscriber *>> InMemoryEventBus::subscriptions() const
{
    QList<std::pair<QString, EventSubscriber *>> all;
    for (auto it = m_topics.cbegin(); it != m_topics.cend(); ++it) {
        for (EventSubscriber *subscriber : std::as_const(it.value()->order)) {
            if (subscriber)
                all.append({ it.key(), subscriber });
        }
    }
    return all;
}

bool InMemoryEventBus::isSubscribed(const QString &promptId, EventSubscriber *subscriber) const
{
    const auto it = m_topics.constFind(promptId);
    return it != m_topics.cend() && it.value()->slotOf.contains(subscriber);
}

qsizetype InMemoryEventBus::subscriberCount(const QString &promptId) const
{
    const auto it = m_topics.constFind(promptId);
    return it == m_topics.cend() ? 0 : it.value()->slotOf.size();
}

} // namespace Sluice::Server
