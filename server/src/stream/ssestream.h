// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// SseStream: one open text/event-stream reply, and the only writer of SSE responses. Owns the
// QHttpServerResponder (moved in from the route handler) and:
// - writes 200 with Content-Type: text/event-stream; charset=utf-8, Cache-Control: no-store,
//   X-Accel-Buffering: no, Referrer-Policy: no-referrer and the headers the caller passes (the
//   CORS policy's, from ResponseFinisher::responderHeaders), chunked, starting with a retry: hint;
// - frames events (SseFrame) and sends a `:` heartbeat comment every heartbeat interval while
//   nothing is waiting to be sent;
// - takes the connection off QHttpServer once the request is routed (Listener::takeOverStream:
//   a held stream then costs a descriptor and a notifier, not a QTcpSocket and a parsed request),
//   notices a vanished client (peer closed, connection failed) and closes;
// - backpressure, per event: trySendEvent() writes an event only when the output has room for it
//   (hasRoomFor: nothing unsent, or at most half the limit unsent and the event fits under the
//   limit). So the unsent output stays under maxBufferedBytes, except for a single event larger
//   than the limit, which is written alone on an empty backlog: every event the server accepts
//   can be delivered. Without room nothing is written and writable() follows once there is room;
// - slow consumers: output that stays unsent with no progress at all (the socket took no byte)
//   for the stall timeout closes the stream (SlowConsumer; the client resumes by Last-Event-ID);
//   a client that reads, however slowly, is never closed for being behind;
// - timers: the heartbeat and stall deadlines of all streams live in one ConnectionDeadlines
//   (Options::deadlines, StreamHub's; one coarse timer), not in two QTimers per stream: Qt keeps
//   timers in a sorted list, and the stall deadline is re-armed by every write the socket takes.
//   Both fire late by at most deadlineResolution();
// - ends gracefully with finish() (optional final comment, terminating chunk, close after flush).
// closed(reason) is emitted exactly once; the object may be deleted after that.
#pragma once

#include "http/connectiondeadlines.h"
#include "http/streamconnection.h"

#include <QtCore/QByteArray>
#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <chrono>
#include <memory>

class QHttpServerResponder;

namespace Sluice::Server {

class SseStream : public QObject
{
    Q_OBJECT
public:
    enum class CloseReason {
        Finished, // finish() (done, logout, expiry, shutdown): graceful end
        ClientGone, // the client disconnected or the socket failed
        SlowConsumer, // unsent output made no progress for the stall timeout
    };
    Q_ENUM(CloseReason)

    enum class SendResult {
        Sent,
        NoRoom, // nothing written; writable() follows once the event fits
        Closed, // the stream is (or just became) closed
    };

    struct Options
    {
        std::chrono::milliseconds heartbeatInterval { 15000 };
        qint64 maxBufferedBytes = 1 << 20;
        std::chrono::milliseconds retryHint { 2000 };
        // No byte taken by the socket for this long while output waits: a slow consumer.
        // 0 = two heartbeat intervals, at least minStallTimeout.
        std::chrono::milliseconds stallTimeout { 0 };
        // Shared heartbeat and stall deadlines, set up with serveDeadlines(). Null: the stream
        // keeps its own (one timer for one stream).
        ConnectionDeadlines *deadlines = nullptr;
    };
    static constexpr std::chrono::milliseconds minStallTimeout { 5000 };

    using HeaderList = QList<QPair<QByteArray, QByteArray>>;

    // The tick of a ConnectionDeadlines for streams with `options`.
    static std::chrono::milliseconds deadlineResolution(const Options &options);
    // Routes the Heartbeat and Stall deadlines of `deadlines` to the streams that are its keys.
    static void serveDeadlines(ConnectionDeadlines &deadlines);

    // Writes the status line and headers at once.
    SseStream(QHttpServerResponder &&responder, const HeaderList &extraHeaders, Options options,
              QObject *parent = nullptr);
    ~SseStream() override;

    bool isOpen() const { return m_open; }
    // Writes the event if hasRoomFor(its frame); otherwise nothing and writable() follows.
    SendResult trySendEvent(qint64 id, QByteArrayView type, QByteArrayView data);
    // The same for a frame built beforehand (SseFrame::event): one event's frame is built once
    // and shared by all the streams it goes to.
    SendResult trySendFrame(const QByteArray &frame);
    // Writes unconditionally (small control events and comments). False when closed.
    bool sendEvent(qint64 id, QByteArrayView type, QByteArrayView data);
    bool sendComment(QByteArrayView text);
    // Unsent bytes in the socket (0 when unknown or closed).
    qint64 bufferedBytes() const;
    qint64 maxBufferedBytes() const { return m_options.maxBufferedBytes; }
    std::chrono::milliseconds stallTimeout() const;
    // True when `bytes` more may be written now: nothing is unsent, or at most half the limit is
    // unsent and `bytes` fit under the limit.
    bool hasRoomFor(qint64 bytes) const;
    // writable() once hasRoomFor(bytes) holds (queued, also when it already does).
    void notifyWhenRoomFor(qint64 bytes);
    // The connection, taken off QHttpServer once the stream opened (null where the Qt version
    // does not expose it, and once it is gone).
    StreamConnection *connection() const { return m_connection; }

    // expired() in `delay` (on the shared deadlines: no timer of its own per stream).
    void endAt(std::chrono::milliseconds delay);

    // Graceful end: `finalComment` (if any), the terminating chunk, then close once flushed.
    void finish(QByteArrayView finalComment = {});

Q_SIGNALS:
    // The room asked for with notifyWhenRoomFor (or by a NoRoom send) is there.
    void writable();
    void closed(Sluice::Server::SseStream::CloseReason reason);
    // The delay given to endAt() has passed (the stream is still open).
    void expired();

private:
    bool writeRaw(const QByteArray &data);
    void writeHead(const HeaderList &headers, const QByteArray &firstChunk);
    void writeChunk(QByteArrayView data);
    void close(CloseReason reason);
    void onBytesWritten();
    void checkRoom();
    void onDeadline(ConnectionDeadlines::Kind kind);
    void onStalled();
    void armStall();
    static std::chrono::milliseconds stallTimeoutOf(const Options &options);

    // Writes go to the connection where it could be taken over (Qt 6.4), through the responder
    // otherwise (then nothing tells whether the client is still there).
    std::unique_ptr<QHttpServerResponder> m_responder;
    QPointer<StreamConnection> m_connection;
    // The responder goes once its connection is taken over (or could not be: then closed).
    bool tracksConnection() const { return !m_responder; }
    Options m_options;
    std::unique_ptr<ConnectionDeadlines> m_ownDeadlines; // without Options::deadlines
    // Heartbeat: always armed while open. Stall: armed while output is unsent, re-armed by every
    // write the socket takes. QPointer: the owner of shared deadlines may go first at teardown.
    QPointer<ConnectionDeadlines> m_deadlines;
    bool m_open = true;
    qint64 m_roomWanted = -1; // bytes writable() waits for; -1: nobody waits
    bool m_roomCheckQueued = false;
};

} // namespace Sluice::Server
