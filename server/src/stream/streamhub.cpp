#include "stream/streamhub.h"

#include "stream/promptfeed.h"
#include "stream/streamlogging.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace Sluice::Server {

StreamHub::StreamHub(Store &store, EventBus &bus, SseStream::Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_bus(bus)
    , m_options(options)
{ }

StreamHub::~StreamHub()
{
    // Feeds are children: they unsubscribe from the bus as they are destroyed.
    const auto feeds = m_feeds.keys();
    for (PromptFeed *feed : feeds)
        disconnect(feed, nullptr, this, nullptr);
    m_feeds.clear();
}

void StreamHub::open(SseStream *stream, const QString &userId, const QString &promptId,
                     qint64 lastEventId, const QDateTime &endsAt, std::function<void()> onClosed)
{
    auto *feed = new PromptFeed(m_store, m_bus, m_metrics, promptId, lastEventId, stream, this);
    m_feeds.insert(feed, { userId, std::move(onClosed) });
    connect(feed, &PromptFeed::finished, this, [this, feed] {
        const Entry entry = m_feeds.take(feed);
        if (entry.onClosed)
            entry.onClosed();
    });
    if (endsAt.isValid()) {
        const qint64 ms = QDateTime::currentDateTimeUtc().msecsTo(endsAt);
        auto *expiry = new QTimer(feed);
        expiry->setSingleShot(true);
        expiry->setInterval(std::chrono::milliseconds(std::max<qint64>(ms, 0)));
        connect(expiry, &QTimer::timeout, feed, [feed] {
            qCInfo(lcStream, "stream of prompt %s ends: access token expired",
                   qPrintable(feed->promptId()));
            feed->end("access token expired");
        });
        expiry->start();
    }
    if (m_draining) {
        feed->end("server shutting down");
        return;
    }
    feed->start();
}

int StreamHub::endStreamsForUser(const QString &userId, QByteArrayView reason)
{
    QList<QPointer<PromptFeed>> targets;
    for (auto it = m_feeds.cbegin(); it != m_feeds.cend(); ++it) {
        if (it.value().userId == userId)
            targets.append(it.key());
    }
    for (const auto &feed : targets) {
        if (feed)
            feed->end(reason);
    }
    if (!targets.isEmpty())
        qCInfo(lcStream, "ended %lld stream(s) of user %s", static_cast<long long>(targets.size()),
               qPrintable(userId));
    return int(targets.size());
}

int StreamHub::openStreamCount(const QString &userId) const
{
    int count = 0;
    for (const Entry &entry : m_feeds)
        count += entry.userId == userId ? 1 : 0;
    return count;
}

void StreamHub::drain(std::chrono::milliseconds timeout, std::function<void()> done)
{
    m_draining = true;
    QList<QPointer<QTcpSocket>> sockets;
    const auto feeds = m_feeds.keys();
    for (PromptFeed *feed : feeds) {
        if (feed->stream() && feed->stream()->socket())
            sockets.append(feed->stream()->socket());
        feed->end("server shutting down, reconnect");
    }
    qCInfo(lcStream, "draining %lld stream(s)", static_cast<long long>(feeds.size()));
    auto *timer = new QTimer(this);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    timer->setInterval(20);
    connect(timer, &QTimer::timeout, this, [=] {
        const bool flushed = std::all_of(sockets.cbegin(), sockets.cend(), [](const auto &s) {
            return s.isNull() || s->state() == QAbstractSocket::UnconnectedState
                || s->bytesToWrite() == 0;
        });
        if (!flushed && clock->elapsed() < timeout.count())
            return;
        timer->stop();
        timer->deleteLater();
        done();
    });
    timer->start();
}

} // namespace Sluice::Server
