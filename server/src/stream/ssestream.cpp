// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/ssestream.h"

#include "http/httpcompat.h"
#include "http/listener.h"
#include "logging.h"
#include "stream/sseframe.h"

#include <QtCore/QTimer>
#include <QtHttpServer/QHttpServerResponder>
#include <QtNetwork/QTcpSocket>

namespace Sluice::Server {

using Kind = ConnectionDeadlines::Kind;

std::chrono::milliseconds SseStream::deadlineResolution(const Options &options)
{
    const auto shortest = std::min(options.heartbeatInterval, stallTimeoutOf(options));
    return std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
}

void SseStream::serveDeadlines(ConnectionDeadlines &deadlines)
{
    connect(&deadlines, &ConnectionDeadlines::expired, &deadlines, [](QObject *key, Kind kind) {
        static_cast<SseStream *>(key)->onDeadline(kind); // its only keys are streams
    });
}

SseStream::SseStream(QHttpServerResponder &&responder, const HeaderList &extraHeaders,
                     Options options, QObject *parent)
    : QObject(parent)
    , m_responder(std::make_unique<QHttpServerResponder>(std::move(responder)))
    , m_options(options)
{
    HeaderList headers {
        { QByteArrayLiteral("Content-Type"),
          QByteArrayLiteral("text/event-stream; charset=utf-8") },
        { QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store") },
        { QByteArrayLiteral("X-Accel-Buffering"), QByteArrayLiteral("no") },
        { QByteArrayLiteral("Referrer-Policy"), QByteArrayLiteral("no-referrer") },
    };
    for (const auto &header : extraHeaders) {
        const bool duplicate = std::any_of(headers.cbegin(), headers.cend(), [&](const auto &h) {
            return h.first.compare(header.first, Qt::CaseInsensitive) == 0;
        });
        if (!duplicate)
            headers.append(header);
    }

    if (QTcpSocket *socket = HttpCompat::socketOf(*m_responder)) {
        m_connection = Listener::takeOverStream(socket);
        if (!m_connection)
            socket->abort(); // out of descriptors: the client comes back after its retry delay
        m_responder.reset(); // its socket is closed now
    }
    if (tracksConnection() && !m_connection) {
        m_open = false;
        QTimer::singleShot(0, this, [this] { Q_EMIT closed(CloseReason::ClientGone); });
        return;
    }
    if (m_connection) {
        connect(m_connection, &StreamConnection::disconnected, this,
                [this] { close(CloseReason::ClientGone); });
        connect(m_connection, &QObject::destroyed, this,
                [this] { close(CloseReason::ClientGone); });
        connect(m_connection, &StreamConnection::bytesWritten, this, &SseStream::onBytesWritten);
    }
    m_deadlines = m_options.deadlines;
    if (!m_deadlines) {
        m_ownDeadlines = std::make_unique<ConnectionDeadlines>(deadlineResolution(m_options));
        serveDeadlines(*m_ownDeadlines);
        m_deadlines = m_ownDeadlines.get();
    }
    m_deadlines->add(this);
    writeHead(headers, SseFrame::retry(m_options.retryHint));
    if (bufferedBytes() > 0)
        armStall();
    m_deadlines->arm(this, Kind::Heartbeat, m_options.heartbeatInterval);
}

SseStream::~SseStream()
{
    if (m_deadlines)
        m_deadlines->remove(this);
    if (m_open && m_connection) {
        // Destroyed while still open (server teardown): cut the connection.
        m_connection->abort();
    }
}

SseStream::SendResult SseStream::trySendEvent(qint64 id, QByteArrayView type, QByteArrayView data)
{
    if (!m_open)
        return SendResult::Closed;
    return trySendFrame(SseFrame::event(id, type, data));
}

SseStream::SendResult SseStream::trySendFrame(const QByteArray &frame)
{
    if (!m_open)
        return SendResult::Closed;
    if (!hasRoomFor(frame.size())) {
        notifyWhenRoomFor(frame.size());
        return SendResult::NoRoom;
    }
    return writeRaw(frame) ? SendResult::Sent : SendResult::Closed;
}

bool SseStream::sendEvent(qint64 id, QByteArrayView type, QByteArrayView data)
{
    return writeRaw(SseFrame::event(id, type, data));
}

bool SseStream::sendComment(QByteArrayView text)
{
    return writeRaw(SseFrame::comment(text));
}

qint64 SseStream::bufferedBytes() const
{
    return m_open && m_connection ? m_connection->bytesToWrite() : 0;
}

std::chrono::milliseconds SseStream::stallTimeout() const
{
    return stallTimeoutOf(m_options);
}

std::chrono::milliseconds SseStream::stallTimeoutOf(const Options &options)
{
    if (options.stallTimeout.count() > 0)
        return options.stallTimeout;
    return std::max<std::chrono::milliseconds>(2 * options.heartbeatInterval, minStallTimeout);
}

bool SseStream::hasRoomFor(qint64 bytes) const
{
    // A chunk adds its size line and CRLF: at most 8 hex digits and 4 bytes.
    constexpr qint64 chunkFraming = 12;
    const qint64 unsent = bufferedBytes();
    if (unsent == 0)
        return true; // even an event larger than the whole limit goes, alone
    return unsent <= m_options.maxBufferedBytes / 2
        && unsent + bytes + chunkFraming <= m_options.maxBufferedBytes;
}

void SseStream::notifyWhenRoomFor(qint64 bytes)
{
    m_roomWanted = std::max<qint64>(bytes, 0);
    if (!hasRoomFor(m_roomWanted) || m_roomCheckQueued)
        return; // onBytesWritten() will see the room
    m_roomCheckQueued = true;
    QTimer::singleShot(0, this, [this] {
        m_roomCheckQueued = false;
        checkRoom();
    });
}

void SseStream::checkRoom()
{
    if (!m_open || m_roomWanted < 0 || !hasRoomFor(m_roomWanted))
        return;
    m_roomWanted = -1;
    Q_EMIT writable();
}

bool SseStream::writeRaw(const QByteArray &data)
{
    if (!m_open)
        return false;
    if (tracksConnection() && (m_connection.isNull() || !m_connection->isOpen())) {
        close(CloseReason::ClientGone);
        return false;
    }
    writeChunk(data);
    if (bufferedBytes() > 0 && m_deadlines && !m_deadlines->isArmed(this, Kind::Stall))
        armStall();
    return true;
}

void SseStream::writeHead(const HeaderList &headers, const QByteArray &firstChunk)
{
    if (!m_connection) {
        HttpCompat::beginChunked(*m_responder, headers, firstChunk);
        return;
    }
    m_connection->write(HttpCompat::chunkedHead(headers));
    m_connection->writeChunk(firstChunk);
}

void SseStream::writeChunk(QByteArrayView data)
{
    if (m_connection)
        m_connection->writeChunk(data);
    else if (m_responder)
        HttpCompat::writeChunk(*m_responder, data.toByteArray());
}

void SseStream::endAt(std::chrono::milliseconds delay)
{
    if (m_open && m_deadlines)
        m_deadlines->arm(this, Kind::Expiry, std::max(delay, std::chrono::milliseconds(0)));
}

void SseStream::armStall()
{
    if (m_deadlines)
        m_deadlines->arm(this, Kind::Stall, stallTimeout());
}

void SseStream::onBytesWritten()
{
    if (!m_open || !m_connection)
        return;
    if (m_connection->bytesToWrite() == 0) {
        if (m_deadlines)
            m_deadlines->disarm(this, Kind::Stall);
    } else {
        armStall(); // progress: the client reads
    }
    checkRoom();
}

void SseStream::onDeadline(ConnectionDeadlines::Kind kind)
{
    if (!m_open)
        return;
    if (kind == Kind::Stall) {
        onStalled();
        return;
    }
    if (kind == Kind::Expiry) {
        Q_EMIT expired();
        return;
    }
    if (kind != Kind::Heartbeat)
        return;
    // Re-armed first: sending may close the stream, which removes it from the deadlines.
    m_deadlines->arm(this, Kind::Heartbeat, m_options.heartbeatInterval);
    if (bufferedBytes() == 0) // only idle streams need one
        sendComment({});
}

void SseStream::onStalled()
{
    if (!m_open || bufferedBytes() == 0)
        return;
    qCWarning(lcStream,
              "slow consumer: %lld unsent bytes (limit %lld), none taken by the client for %lld "
              "ms; closing",
              static_cast<long long>(bufferedBytes()),
              static_cast<long long>(m_options.maxBufferedBytes),
              static_cast<long long>(stallTimeout().count()));
    // close() aborts the connection (drops the unsent bytes now).
    close(CloseReason::SlowConsumer);
}

void SseStream::finish(QByteArrayView finalComment)
{
    if (!m_open)
        return;
    if (!tracksConnection() || (m_connection && m_connection->isOpen())) {
        if (!finalComment.isEmpty())
            writeChunk(QByteArray(SseFrame::comment(finalComment) + '\n'));
        if (m_connection) {
            m_connection->writeLastChunk();
            // A client that takes nothing for the stall timeout would be cut anyway.
            m_connection->closeAfterFlush(stallTimeout());
        } else {
            HttpCompat::endChunked(*m_responder);
        }
    }
    close(CloseReason::Finished);
}

void SseStream::close(CloseReason reason)
{
    if (!m_open)
        return;
    m_open = false;
    if (m_deadlines)
        m_deadlines->remove(this);
    m_roomWanted = -1;
    if (m_connection) {
        disconnect(m_connection, nullptr, this, nullptr);
        if (reason != CloseReason::Finished)
            m_connection->abort();
    }
    Q_EMIT closed(reason);
}

} // namespace Sluice::Server
