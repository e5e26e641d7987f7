// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// InMemoryEventBus: the single-process EventBus. publish() delivers synchronously to the prompt's
// current subscribers, in subscription order.
#pragma once

#include "bus/eventbus.h"

#include <QtCore/QHash>
#include <QtCore/QList>

namespace Sluice::Server {

class InMemoryEventBus final : public EventBus
{
public:
    void publish(const BusEvent &event) override;
    void subscribe(const QString &promptId, EventSubscriber *subscriber) override;
    void unsubscribe(const QString &promptId, EventSubscriber *subscriber) override;

    qsizetype subscriberCount(const QString &promptId) const;

private:
    QHash<QString, QList<EventSubscriber *>> m_subscribers;
};

} // namespace Sluice::Server
