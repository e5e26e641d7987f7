// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/promptfeed.h"

#include "stream/eventtype.h"

#include "logging.h"
#include "store/store.h"
#include "stream/streammetrics.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

namespace Sluice::Server {

PromptFeed::PromptFeed(Store &store, EventBus &bus, const StreamMetrics &metrics, QString promptId,
                       qint64 lastEventId, SseStream *stream, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_bus(bus)
    , m_metrics(metrics)
    , m_promptId(std::move(promptId))
    , m_lastSent(lastEventId)
    , m_stream(stream)
{
    stream->setParent(this);
    connect(stream, &SseStream::closed, this, &PromptFeed::onStreamClosed);
    connect(stream, &SseStream::writable, this, [this] {
        if (m_waitingWritable) {
            m_waitingWritable = false;
            catchUp();
        }
    });
    m_metrics.streamOpened();
}

PromptFeed::~PromptFeed()
{
    if (m_subscribed)
        m_bus.unsubscribe(m_promptId, this);
}

void PromptFeed::start()
{
    m_bus.subscribe(m_promptId, this); // first: nothing published from now on can be missed
    m_subscribed = true;
    const QJsonObject connected { { QStringLiteral("promptId"), m_promptId },
                                  { QStringLiteral("lastEventId"), double(m_lastSent) } };
    if (!m_stream->sendEvent(0, "connected",
                             QJsonDocument(connected).toJson(QJsonDocument::Compact)))
        return;
    catchUp();
}

void PromptFeed::end(QByteArrayView reason)
{
    if (m_stream && m_stream->isOpen())
        m_stream->finish(reason);
}

void PromptFeed::catchUp()
{
    m_catchingUp = true;
    m_waitingWritable = false;
    qint64 replayed = 0;
    while (m_stream && m_stream->isOpen()) {
        if (m_pageNext >= m_page.size()) {
            m_page.clear();
            m_pageNext = 0;
            if (!m_stream->hasRoomFor(0)) {
                // Over half the limit unsent: read on when the client has taken some of it.
                m_waitingWritable = true;
                m_stream->notifyWhenRoomFor(0);
                break;
            }
            m_page = m_store.eventPage(m_promptId, m_lastSent, pageEvents, pageBytes);
            if (m_page.isEmpty()) {
                m_catchingUp = false; // caught up: live from now on
                break;
            }
        }
        const EventRecord &event = m_page.at(m_pageNext);
        const SseStream::SendResult result = send(event.seq, event.type, event.data);
        if (m_lastSent == event.seq)
            ++replayed;
        if (result == SseStream::SendResult::NoRoom)
            m_waitingWritable = true; // the stream emits writable() once this event fits
        if (result != SseStream::SendResult::Sent)
            break; // no room, closed, or `done` sent and the stream finished
        ++m_pageNext;
    }
    m_metrics.eventsReplayed(replayed);
}

void PromptFeed::onBusEvent(const BusEvent &event)
{
    if (m_catchingUp || !m_stream || !m_stream->isOpen() || event.seq <= m_lastSent)
        return; // catching up reads it from the log; <= last sent is a duplicate
    if (event.seq > m_lastSent + 1) {
        qCDebug(lcStream, "gap before live event %lld (last sent %lld): catching up",
                static_cast<long long>(event.seq), static_cast<long long>(m_lastSent));
        catchUp();
        return;
    }
    if (send(event.seq, event.type, event.data, event.frame) == SseStream::SendResult::NoRoom) {
        // The client is behind (large events): the log is the buffer. Catch up from it once the
        // stream has room for this event; live events are ignored until then.
        m_catchingUp = true;
        m_waitingWritable = true;
        return;
    }
    if (m_lastSent == event.seq)
        m_metrics.eventDelivered();
}

void PromptFeed::onBusResync()
{
    // Catching up already reads the log to its end; waiting for room resumes from the log too.
    if (m_catchingUp || !m_stream || !m_stream->isOpen())
        return;
    catchUp();
}

SseStream::SendResult PromptFeed::send(qint64 seq, const QString &type, const QByteArray &data,
                                       const QByteArray &frame)
{
    const SseStream::SendResult result = frame.isEmpty()
        ? m_stream->trySendEvent(seq, type.toUtf8(), data)
        : m_stream->trySendFrame(frame);
    if (result != SseStream::SendResult::Sent)
        return result;
    m_lastSent = seq;
    if (type == eventTypeName(EventType::Done)) {
        m_stream->finish();
        return SseStream::SendResult::Closed;
    }
    return result;
}

void PromptFeed::onStreamClosed(SseStream::CloseReason reason)
{
    if (reason == SseStream::CloseReason::SlowConsumer)
        m_metrics.slowConsumerClosed();
    m_metrics.streamClosed();
    if (m_subscribed) {
        m_bus.unsubscribe(m_promptId, this);
        m_subscribed = false;
    }
    qCDebug(lcStream, "stream of prompt %s closed (%d) after id %lld", qPrintable(m_promptId),
            int(reason), static_cast<long long>(m_lastSent));
    Q_EMIT finished();
    deleteLater();
}

} // namespace Sluice::Server
