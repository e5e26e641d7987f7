// PromptFeed: feeds one prompt's events into one SseStream — durable replay, then live — with no
// gap and no duplicate.
//
// Algorithm (single event-loop thread; the publisher appends to the log BEFORE it publishes):
// 1. subscribe to the bus first;
// 2. catch up: read the log after the last id sent (the client's Last-Event-ID at first) in
//    pages, paced by the stream's output buffer (waits for `writable` above half the limit);
//    bus events arriving meanwhile are ignored — the log already holds them;
// 3. live: a bus event with id == last sent + 1 is sent; id <= last sent is a duplicate and
//    dropped; id > last sent + 1 (a gap, possible with a networked bus) starts a catch-up.
// A `done` event is sent, then the stream is finished. finished() fires once the stream closed
// for any reason; the feed then deletes itself.
#pragma once

#include "bus/eventbus.h"
#include "stream/ssestream.h"

#include <QObject>
#include <QPointer>

namespace Sluice::Server {

class Store;
class StreamMetrics;

class PromptFeed : public QObject, public EventSubscriber
{
    Q_OBJECT
public:
    // Takes ownership of `stream` (reparented to the feed).
    PromptFeed(Store &store, EventBus &bus, const StreamMetrics &metrics, QString promptId,
               qint64 lastEventId, SseStream *stream, QObject *parent = nullptr);
    ~PromptFeed() override;

    // Sends `connected` and starts the catch-up.
    void start();
    // Ends the stream gracefully with a final comment (logout, expiry, shutdown).
    void end(QByteArrayView reason);

    SseStream *stream() const { return m_stream; }
    QString promptId() const { return m_promptId; }
    qint64 lastSentId() const { return m_lastSent; }

    void onBusEvent(const BusEvent &event) override;

Q_SIGNALS:
    void finished();

private:
    void catchUp();
    bool send(qint64 seq, const QString &type, const QByteArray &data);
    void onStreamClosed(SseStream::CloseReason reason);

    static constexpr int pageSize = 256;

    Store &m_store;
    EventBus &m_bus;
    const StreamMetrics &m_metrics;
    QString m_promptId;
    qint64 m_lastSent;
    QPointer<SseStream> m_stream;
    bool m_subscribed = false;
    bool m_catchingUp = false;
    bool m_waitingWritable = false;
};

} // namespace Sluice::Server
