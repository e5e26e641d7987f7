// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PromptFeed: feeds one prompt's events into one SseStream — durable replay, then live — with no
// gap and no duplicate, whatever the size of the events.
//
// Algorithm (single event-loop thread; the publisher appends to the log BEFORE it publishes):
// 1. subscribe to the bus first;
// 2. catch up: read the log after the last id sent (the client's Last-Event-ID at first) in
//    pages of at most pageEvents events / about pageBytes bytes (the event that crosses
//    pageBytes ends the page, so one event of any size makes progress), and send them one by
//    one, each only when the stream has room for it (SseStream::trySendEvent). Without room the
//    feed waits for SseStream::writable and goes on with the same event; no page is read while
//    the stream holds more than half its limit. Bus events arriving meanwhile are ignored: the
//    log already holds them;
// 3. live: a bus event with id == last sent + 1 is sent if the stream has room for it; without
//    room (a client behind because of large events) the feed goes back to catching up, so the
//    log is the buffer and nothing is queued in memory; id <= last sent is a duplicate and
//    dropped; id > last sent + 1 (a gap, possible with a networked bus) starts a catch-up.
// Memory per feed: one page (pageBytes + one event) plus the stream's output limit (or one event
// larger than it). A `done` event is sent, then the stream is finished. finished() fires once the
// stream closed for any reason; the feed then deletes itself.
#pragma once

#include "bus/eventbus.h"
#include "store/store.h"
#include "stream/ssestream.h"

#include <QtCore/QObject>
#include <QtCore/QPointer>

namespace Sluice::Server {

class StreamMetrics;

class PromptFeed : public QObject, public EventSubscriber
{
    Q_OBJECT
public:
    // Takes ownership of `stream` (reparented to the feed).
    PromptFeed(Store &store, EventBus &bus, const StreamMetrics &metrics, QString promptId,
               qint64 lastEventId, SseStream *stream, QObject *parent = nullptr);
    ~PromptFeed() override;

    // A replay page: at most this many events, and no more once their data reaches pageBytes.
    static constexpr int pageEvents = 256;
    static constexpr qint64 pageBytes = 256 * 1024;

    // Sends `connected` and starts the catch-up.
    void start();
    // Ends the stream gracefully with a final comment (logout, expiry, shutdown).
    void end(QByteArrayView reason);

    SseStream *stream() const { return m_stream; }
    QString promptId() const { return m_promptId; }
    qint64 lastSentId() const { return m_lastSent; }

    void onBusEvent(const BusEvent &event) override;
    void onBusResync() override;

Q_SIGNALS:
    void finished();

private:
    void catchUp();
    // SendResult of the stream; after `done` the stream is finished and this returns Closed.
    // `frame`: the event's SSE frame when the publisher built it (shared); empty: built here.
    SseStream::SendResult send(qint64 seq, const QString &type, const QByteArray &data,
                               const QByteArray &frame = {});
    void onStreamClosed(SseStream::CloseReason reason);

    Store &m_store;
    EventBus &m_bus;
    const StreamMetrics &m_metrics;
    QString m_promptId;
    qint64 m_lastSent;
    QPointer<SseStream> m_stream;
    bool m_subscribed = false;
    bool m_catchingUp = false;
    bool m_waitingWritable = false;
    QList<EventRecord> m_page; // the page being replayed; m_page[m_pageNext] is the next to send
    qsizetype m_pageNext = 0;
};

} // namespace Sluice::Server
