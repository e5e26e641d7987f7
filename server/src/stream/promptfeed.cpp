#include "stream/promptfeed.h"

#include "store/store.h"
#include "stream/streamlogging.h"
#include "stream/streammetrics.h"

#include <QJsonDocument>
#include <QJsonObject>

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
    qint64 replayed = 0;
    while (m_stream && m_stream->isOpen()) {
        if (m_stream->bufferedBytes() > m_stream->maxBufferedBytes() / 2) {
            m_waitingWritable = true; // resumes on SseStream::writable
            m_metrics.eventsReplayed(replayed);
            return;
        }
        const QList<EventRecord> page = m_store.eventsAfter(m_promptId, m_lastSent, pageSize);
        if (page.isEmpty())
            break;
        for (const EventRecord &event : page) {
            ++replayed;
            if (!send(event.seq, event.type, event.data)) {
                m_metrics.eventsReplayed(replayed);
                return;
            }
        }
    }
    m_metrics.eventsReplayed(replayed);
    m_catchingUp = false;
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
    if (send(event.seq, event.type, event.data))
        m_metrics.eventDelivered();
}

bool PromptFeed::send(qint64 seq, const QString &type, const QByteArray &data)
{
    if (!m_stream->sendEvent(seq, type.toUtf8(), data))
        return false;
    m_lastSent = seq;
    if (type == u"done") {
        m_stream->finish();
        return false;
    }
    return true;
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
