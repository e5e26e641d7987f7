// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// StreamConnection: the connection of an endless chunked reply (an SSE stream) once it has been
// taken off QTcpSocket and QHttpServer after the request (Listener::takeOverStream).
//
// Why: QAbstractSocket keeps its 16 KiB read block for the life of a connection once the request
// went through it, and QHttpServer keeps the parsed request (URL, headers) until the socket dies:
// together two thirds of what a held stream cost (heaptrack, 2 000 streams: 24 KiB each). A
// stream never reads another request, so it needs neither: here it is a descriptor, one read
// notifier (to see the client go) and the output the kernel did not take yet.
//
// - write(), writeChunk() and writeLastChunk() hand bytes straight to the kernel (one sendmsg for
//   a chunk's framing and its data, so a shared event frame is never copied); what the kernel does
//   not take waits here, in order, and goes out when the socket is writable again;
// - whatever the client sends is read and dropped: nothing it sends after its request can be
//   answered on a stream;
// - disconnected() is emitted once, queued, when the peer closes or the connection fails
//   (including a failed write), never from inside a call made by the owner;
// - closeAfterFlush() closes once the output is out (cut after the grace if the peer does not
//   read it); the object then deletes itself, as it does after abort() and after disconnected().
// Owned by whoever adopted it (its parent, the Listener); the stream holds it in a QPointer.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QObject>

#include <chrono>
#include <initializer_list>

class QSocketNotifier;
class QTimer;
struct iovec;

namespace Sluice::Server {

class StreamConnection : public QObject
{
    Q_OBJECT
public:
    // Adopts `fd`: a connected stream socket, which this object makes non-blocking and closes.
    explicit StreamConnection(int fd, QObject *parent = nullptr);
    ~StreamConnection() override;

    // Neither closed by us nor gone: writes are accepted.
    bool isOpen() const { return m_state == State::Open; }
    // Output the kernel has not taken yet.
    qint64 bytesToWrite() const { return m_pending.size() - m_pendingOffset; }

    void write(QByteArrayView bytes);
    // HTTP/1.1 chunked framing: `size CRLF data CRLF`; an empty `data` writes nothing (an empty
    // chunk would end the body). writeLastChunk() ends the body.
    void writeChunk(QByteArrayView data);
    void writeLastChunk();

    void closeAfterFlush(std::chrono::milliseconds grace);
    void abort();

Q_SIGNALS:
    // Part of the waiting output went out.
    void bytesWritten(qint64 bytes);
    void disconnected();

private:
    enum class State : quint8 { Open, Closing, Closed };

    void send(std::initializer_list<QByteArrayView> parts);
    // One sendmsg(): bytes taken, 0 when the kernel takes nothing now, -1 after fail().
    qsizetype sendSome(iovec *vectors, size_t count);
    void flushPending();
    void onReadable();
    void fail();
    void closeNow(); // and delete later
    void closeDescriptorAndForget();
    void setWriteInterest(bool on);
    void closeDescriptor();

    int m_fd;
    State m_state = State::Open;
    QByteArray m_pending;
    qsizetype m_pendingOffset = 0;
    // Children, never deleted before this object: closing may happen inside their own signals.
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr; // created on the first backlog
    QTimer *m_graceTimer = nullptr; // only while closing with output unsent
};

} // namespace Sluice::Server
