// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/streamhub.h"

#include "http/streamconnection.h"
#include "logging.h"
#include "store/store.h"
#include "stream/promptfeed.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtCore/QTimer>

namespace Sluice::Server {

StreamHub::StreamHub(Store &store, EventBus &bus, SseStream::Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_bus(bus)
    , m_options(options)
    , m_streamDeadlines(SseStream::deadlineResolution(options))
    , m_revocationTimer(new QTimer(this))
{
    SseStream::serveDeadlines(m_streamDeadlines);
    m_options.deadlines = &m_streamDeadlines;
    m_revocationTimer->setInterval(defaultRevocationCheckInterval);
    connect(m_revocationTimer, &QTimer::timeout, this, [this] { checkRevocations(); });
}

void StreamHub::setRevocationCheckInterval(std::chrono::milliseconds interval)
{
    m_revocationTimer->setInterval(interval);
}

int StreamHub::checkRevocations()
{
    if (m_feeds.isEmpty()) {
        m_revocationTimer->stop(); // restarted by the next open()
        return 0;
    }
    QSet<QString> users;
    QSet<QString> families;
    for (const Entry &entry : std::as_const(m_feeds)) {
        users.insert(entry.owner.userId);
        if (!entry.owner.familyId.isEmpty())
            families.insert(entry.owner.familyId);
    }
    const auto marks = m_store.tokenMarks(users.values());
    const auto dead = m_store.deadRefreshFamilies(families.values());
    if (!marks || !dead)
        return 0; // the store will answer next time; nothing is ended on a storage error
    return endMatching(
        [&](const Entry &entry) {
            const auto mark = marks->constFind(entry.owner.userId);
            if (mark == marks->cend())
                return true; // the user was removed
            if (entry.owner.issuedAt.isValid() && entry.owner.issuedAt < *mark)
                return true; // signed out everywhere, or the password changed
            return !entry.owner.familyId.isEmpty() && dead->contains(entry.owner.familyId);
        },
        "signed out");
}

StreamHub::~StreamHub()
{
    // Feeds are children: they unsubscribe from the bus as they are destroyed. They go here,
    // not in ~QObject: their streams leave m_streamDeadlines as they close, and members are gone
    // by the time ~QObject deletes children.
    const auto feeds = m_feeds.keys();
    for (PromptFeed *feed : feeds)
        disconnect(feed, nullptr, this, nullptr);
    m_feeds.clear();
    qDeleteAll(findChildren<PromptFeed *>(QString(), Qt::FindDirectChildrenOnly));
}

void StreamHub::open(SseStream *stream, const StreamOwner &owner, const QString &promptId,
                     qint64 lastEventId, const QDateTime &endsAt, std::function<void()> onClosed)
{
    auto *feed = new PromptFeed(m_store, m_bus, m_metrics, promptId, lastEventId, stream, this);
    m_feeds.insert(feed, { owner, std::move(onClosed) });
    if (!m_revocationTimer->isActive())
        m_revocationTimer->start();
    connect(feed, &PromptFeed::finished, this, [this, feed] {
        const Entry entry = m_feeds.take(feed);
        if (entry.onClosed)
            entry.onClosed();
    });
    if (endsAt.isValid()) {
        connect(stream, &SseStream::expired, feed, [feed] {
            qCInfo(lcStream, "stream of prompt %s ends: its credential expired",
                   qPrintable(feed->promptId()));
            feed->end("credential expired, reconnect with a fresh one");
        });
        stream->endAt(std::chrono::milliseconds(QDateTime::currentDateTimeUtc().msecsTo(endsAt)));
    }
    if (m_draining) {
        feed->end("server shutting down");
        return;
    }
    feed->start();
}

int StreamHub::endMatching(const std::function<bool(const Entry &)> &match, QByteArrayView reason)
{
    QList<QPointer<PromptFeed>> targets;
    for (auto it = m_feeds.cbegin(); it != m_feeds.cend(); ++it) {
        if (match(it.value()))
            targets.append(it.key());
    }
    for (const auto &feed : targets) {
        if (feed)
            feed->end(reason);
    }
    return int(targets.size());
}

int StreamHub::endStreamsForUser(const QString &userId, QByteArrayView reason)
{
    m_bus.announceRevocation(); // other instances hold streams of this user too
    const int ended
        = endMatching([&](const Entry &entry) { return entry.owner.userId == userId; }, reason);
    if (ended > 0)
        qCInfo(lcStream, "ended %d stream(s) of user %s", ended, qPrintable(userId));
    return ended;
}

int StreamHub::endStreamsForFamily(const QString &familyId, QByteArrayView reason)
{
    if (familyId.isEmpty())
        return 0;
    m_bus.announceRevocation();
    const int ended
        = endMatching([&](const Entry &entry) { return entry.owner.familyId == familyId; }, reason);
    if (ended > 0)
        qCInfo(lcStream, "ended %d stream(s) of one signed-out session", ended);
    return ended;
}

int StreamHub::openStreamCount(const QString &userId) const
{
    int count = 0;
    for (const Entry &entry : m_feeds)
        count += entry.owner.userId == userId ? 1 : 0;
    return count;
}

void StreamHub::drain(std::chrono::milliseconds timeout, std::function<void()> done)
{
    m_draining = true;
    // A finished stream's connection stays until its output is out (or cut after the grace).
    QList<QPointer<StreamConnection>> connections;
    const auto feeds = m_feeds.keys();
    for (PromptFeed *feed : feeds) {
        if (feed->stream() && feed->stream()->connection())
            connections.append(feed->stream()->connection());
        feed->end("server shutting down, reconnect");
    }
    qCInfo(lcStream, "draining %lld stream(s)", static_cast<long long>(feeds.size()));
    auto *timer = new QTimer(this);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    timer->setInterval(20);
    connect(timer, &QTimer::timeout, this, [=] {
        const bool flushed
            = std::all_of(connections.cbegin(), connections.cend(), [](const auto &connection) {
                  return connection.isNull() || connection->bytesToWrite() == 0;
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
