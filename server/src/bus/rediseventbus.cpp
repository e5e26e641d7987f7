// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "bus/rediseventbus.h"

#include "bus/redisconnection.h"
#include "logging.h"
#include "metrics/metrics.h"
#include "store/randomid.h"

#include <hiredis/hiredis.h>

#include <memory>

namespace Sluice::Server {

namespace {

const QByteArray eventPrefix = QByteArrayLiteral("sluice:e:");
const QByteArray revokeChannel = QByteArrayLiteral("sluice:revoke");
const QByteArray resyncChannel = QByteArrayLiteral("sluice:resync");

// origin \n seq \n type \n data: compact JSON holds no raw newline.
QByteArray encode(const QByteArray &origin, const BusEvent &event)
{
    return origin + '\n' + QByteArray::number(event.seq) + '\n' + event.type.toUtf8() + '\n'
        + event.data;
}

} // namespace

RedisEventBus::RedisEventBus(const QString &host, quint16 port, Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_origin(newRandomId().toLatin1())
    , m_publisher(new RedisConnection(host, port, QStringLiteral("publish"), this))
    , m_subscriber(new RedisConnection(host, port, QStringLiteral("subscribe"), this))
    , m_metrics(metrics)
{
    connect(m_subscriber, &RedisConnection::connected, this, [this] {
        m_subscriber->subscribe(
            { QByteArrayLiteral("PSUBSCRIBE"), QByteArrayLiteral("sluice:*") },
            [this](const redisReply *reply) {
                if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3)
                    return;
                const QByteArray kind(reply->element[0]->str, int(reply->element[0]->len));
                if (kind == "psubscribe") {
                    // Subscribed (again): whatever was published while we were not is in the log.
                    resyncLocalFeeds();
                    return;
                }
                if (kind != "pmessage" || reply->elements < 4)
                    return;
                onMessage(QByteArray(reply->element[2]->str, int(reply->element[2]->len)),
                          QByteArray(reply->element[3]->str, int(reply->element[3]->len)));
            });
    });
    connect(m_subscriber, &RedisConnection::disconnected, this,
            [this] { count("sluice_bus_disconnects_total"); });
    connect(m_publisher, &RedisConnection::disconnected, this, [this] {
        m_publisherWasLost = true;
        count("sluice_bus_disconnects_total");
    });
    connect(m_publisher, &RedisConnection::connected, this, [this] {
        if (!m_publisherWasLost)
            return;
        m_publisherWasLost = false;
        m_publisher->send({ QByteArrayLiteral("PUBLISH"), resyncChannel, m_origin });
    });
    m_publisher->open();
    m_subscriber->open();
}

RedisEventBus::~RedisEventBus()
{
    // Their pending callbacks run (without a reply) while this object is still whole.
    delete m_subscriber;
    delete m_publisher;
}

bool RedisEventBus::isConnected() const
{
    return m_publisher->isConnected() && m_subscriber->isConnected();
}

void RedisEventBus::publish(const BusEvent &event)
{
    m_local.publish(event);
    if (m_publisher->send({ QByteArrayLiteral("PUBLISH"), eventPrefix + event.promptId.toLatin1(),
                            encode(m_origin, event) }))
        count("sluice_bus_published_total");
    else
        count("sluice_bus_publish_failures_total"); // the resync after the reconnect covers it
}

void RedisEventBus::subscribe(const QString &promptId, EventSubscriber *subscriber)
{
    m_local.subscribe(promptId, subscriber);
}

void RedisEventBus::unsubscribe(const QString &promptId, EventSubscriber *subscriber)
{
    m_local.unsubscribe(promptId, subscriber);
}

void RedisEventBus::announceRevocation()
{
    m_publisher->send({ QByteArrayLiteral("PUBLISH"), revokeChannel, m_origin });
}

std::optional<qint64> RedisEventBus::announceRevocationOnce(const RedisLocation &location,
                                                            std::chrono::milliseconds timeout,
                                                            QString *error)
{
    const timeval limit { time_t(timeout.count() / 1000),
                          suseconds_t((timeout.count() % 1000) * 1000) };
    const std::unique_ptr<redisContext, void (*)(redisContext *)> context(
        redisConnectWithTimeout(location.host.toLatin1().constData(), location.port, limit),
        &redisFree);
    if (!context || context->err) {
        *error
            = context ? QString::fromLocal8Bit(context->errstr) : QStringLiteral("out of memory");
        return std::nullopt;
    }
    redisSetTimeout(context.get(), limit);
    const QByteArray origin = newRandomId().toLatin1();
    const char *argv[] = { "PUBLISH", revokeChannel.constData(), origin.constData() };
    const size_t lengths[] = { 7, size_t(revokeChannel.size()), size_t(origin.size()) };
    const std::unique_ptr<redisReply, void (*)(void *)> reply(
        static_cast<redisReply *>(redisCommandArgv(context.get(), 3, argv, lengths)),
        &freeReplyObject);
    if (!reply) {
        *error = QString::fromLocal8Bit(context->errstr);
        return std::nullopt;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
        *error = reply->type == REDIS_REPLY_ERROR ? QString::fromUtf8(reply->str, int(reply->len))
                                                  : QStringLiteral("unexpected reply to PUBLISH");
        return std::nullopt;
    }
    return qint64(reply->integer);
}

void RedisEventBus::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (channel == resyncChannel) {
        if (payload != m_origin)
            resyncLocalFeeds();
        return;
    }
    if (channel == revokeChannel) {
        if (payload != m_origin && m_onRevocation)
            m_onRevocation();
        return;
    }
    if (!channel.startsWith(eventPrefix))
        return;
    const QList<QByteArray> parts = payload.split('\n');
    if (parts.size() < 4 || parts.at(0) == m_origin)
        return; // malformed, or ours (delivered locally already)
    const QString promptId = QString::fromLatin1(channel.mid(eventPrefix.size()));
    if (m_local.subscriberCount(promptId) == 0)
        return;
    bool ok = false;
    const qint64 seq = parts.at(1).toLongLong(&ok);
    if (!ok || seq <= 0)
        return;
    // The data is everything after the third newline (split() would cut nothing more, but be
    // exact).
    const qsizetype dataStart = parts.at(0).size() + parts.at(1).size() + parts.at(2).size() + 3;
    count("sluice_bus_received_total");
    m_local.publish({ promptId, seq, QString::fromUtf8(parts.at(2)), payload.mid(dataStart) });
}

void RedisEventBus::resyncLocalFeeds()
{
    count("sluice_bus_resyncs_total");
    const auto subscriptions = m_local.subscriptions();
    qCInfo(lcStream, "redis: %lld stream(s) re-read their log",
           static_cast<long long>(subscriptions.size()));
    for (const auto &[promptId, subscriber] : subscriptions) {
        if (m_local.isSubscribed(promptId, subscriber))
            subscriber->onBusResync();
    }
}

void RedisEventBus::count(const char *name)
{
    if (m_metrics)
        m_metrics->increment(name);
}

} // namespace Sluice::Server
