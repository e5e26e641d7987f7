// StreamHub: the registry of open SSE streams. Opens a PromptFeed for a route, remembers whose it
// is, and ends streams from the outside: a user's streams on logout / refresh-family revocation,
// a Bearer-opened stream when its access token expires, every stream on shutdown (drain).
#pragma once

#include "stream/ssestream.h"
#include "stream/streammetrics.h"

#include <QDateTime>
#include <QHash>
#include <QObject>

#include <functional>

namespace Sluice::Server {

class EventBus;
class PromptFeed;
class Store;

class StreamHub : public QObject
{
    Q_OBJECT
public:
    StreamHub(Store &store, EventBus &bus, SseStream::Options options, QObject *parent = nullptr);
    ~StreamHub() override;

    const SseStream::Options &options() const { return m_options; }
    StreamMetrics &metrics() { return m_metrics; }

    // Starts feeding `stream` (ownership taken). `endsAt` valid: the stream is finished then.
    // `onClosed` runs once when the stream has closed (e.g. to release a cap slot).
    void open(SseStream *stream, const QString &userId, const QString &promptId, qint64 lastEventId,
              const QDateTime &endsAt = {}, std::function<void()> onClosed = {});

    // Gracefully ends every open stream of the user (logout, family revocation). Returns how many.
    int endStreamsForUser(const QString &userId, QByteArrayView reason);
    int openStreamCount() const { return int(m_feeds.size()); }
    int openStreamCount(const QString &userId) const;

    // Ends every stream with a final comment, then calls `done` once their output was flushed and
    // the connections closed, or after `timeout`. New open() calls are refused meanwhile.
    void drain(std::chrono::milliseconds timeout, std::function<void()> done);
    bool isDraining() const { return m_draining; }

private:
    struct Entry
    {
        QString userId;
        std::function<void()> onClosed;
    };

    Store &m_store;
    EventBus &m_bus;
    SseStream::Options m_options;
    StreamMetrics m_metrics;
    QHash<PromptFeed *, Entry> m_feeds;
    bool m_draining = false;
};

} // namespace Sluice::Server
