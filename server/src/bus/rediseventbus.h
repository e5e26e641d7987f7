// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RedisEventBus: the EventBus between server instances (--redis redis://host:port).
//
// Local subscribers are served synchronously by an InMemoryEventBus, as in a single process; each
// publish() is also PUBLISHed on channel sluice:e:<promptId> with the event, and every other
// instance delivers it to its own subscribers (its own messages it ignores: they were delivered
// already). Redis gives no delivery guarantee, and the log is the source of truth: a feed drops
// ids it has sent and fills gaps from the log. Whenever this instance's subscription
// (re)connects, every local feed re-reads the log from its position (events published while it
// was away); when its publishing connection comes back it asks every instance to do the same
// (sluice:resync), since events it appended meanwhile reached nobody.
// Revocations (logout, refresh-token reuse, `sluice-server user passwd/remove`) are announced on
// sluice:revoke: the others check their streams against the store at once instead of at their
// next periodic check.
// One PSUBSCRIBE sluice:* per instance: every instance sees every prompt's events and drops those
// of prompts it has no stream for (simple; per-prompt channels are a later optimisation).
#pragma once

#include "bus/eventbus.h"
#include "bus/inmemoryeventbus.h"
#include "bus/redislocation.h"

#include <QtCore/QObject>

#include <chrono>
#include <functional>

namespace Sluice::Server {

class Metrics;
class RedisConnection;

class RedisEventBus final : public QObject, public EventBus
{
    Q_OBJECT

public:
    // `metrics` (optional) gets the sluice_bus_* counters.
    RedisEventBus(const QString &host, quint16 port, Metrics *metrics = nullptr,
                  QObject *parent = nullptr);
    ~RedisEventBus() override;

    void publish(const BusEvent &event) override;
    void subscribe(const QString &promptId, EventSubscriber *subscriber) override;
    void unsubscribe(const QString &promptId, EventSubscriber *subscriber) override;
    void announceRevocation() override;
    // The same announcement from a process without a bus (`sluice-server user`, which exits right
    // after): one blocking PUBLISH on a connection of its own, given up after `timeout` (for the
    // connection and again for the reply). Returns how many instances heard it, or nullopt with
    // the reason in *error.
    static std::optional<qint64> announceRevocationOnce(const RedisLocation &location,
                                                        std::chrono::milliseconds timeout,
                                                        QString *error);
    std::optional<bool> reachable() const override { return isConnected(); }

    // Called when another instance announced a revocation.
    void setRevocationHandler(std::function<void()> handler)
    {
        m_onRevocation = std::move(handler);
    }
    bool isConnected() const;

private:
    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void resyncLocalFeeds();
    void count(const char *name);

    InMemoryEventBus m_local;
    QByteArray m_origin; // this instance, in every message it sends
    RedisConnection *m_publisher;
    RedisConnection *m_subscriber;
    bool m_publisherWasLost = false;
    std::function<void()> m_onRevocation;
    Metrics *m_metrics;
};

} // namespace Sluice::Server
