// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Listener: the QTcpServer that QHttpServer is bound to. QHttpServer 6.4 has no connection cap,
// never closes idle connections and trusts its QTcpServer to keep accepting, so all of that lives
// here:
// - at most maxConnections open sockets, and at most maxConnectionsPerAddress from one client
//   address (IPv6: one /64); an extra connection gets a minimal 503 and is closed;
// - a connection must complete its request head within requestTimeout: counted from the accept,
//   and on a kept-alive connection from the first byte after the previous answer went out (the
//   quiet time between requests is the idle timeout's). Bytes that keep trickling in do not
//   extend it (slowloris); once the head is complete (or the server answers) the deadline is off,
//   so a long-lived reply such as an SSE stream is never cut by it;
// - a socket with no traffic in either direction for idleTimeout is closed (streams keep theirs
//   alive with heartbeats, or opt out with setIdleTimeoutEnabled(socket, false));
// - a closing socket whose peer does not take the rest of the output is aborted after closeGrace
//   (disconnectFromHost alone would keep it, and its descriptor, forever);
// - a connection that sends more than maxRequestBytes before the server answers (QHttpServer 6.4
//   buffers whole bodies before routing) gets a minimal 413 and is closed; bodies within that
//   bound but over the configured body limit get the normal 413 JSON from the routes;
// - rejected sockets (503/413) may linger up to rejectLinger to flush their answer, but at most
//   maxLingering of them at once and never past the descriptor budget: beyond, they are aborted;
// - accepting survives running out of descriptors (EMFILE/ENFILE): the Listener accepts on its own
//   (see startListening()) and, on such an error, gives up its two reserve descriptors (so the
//   database and logs still find some), waits 100 ms, doubling up to 1 s while it cannot take the
//   reserve back, then accepts again; the waiting connections stay in the listen queue meanwhile;
// - the listen backlog is listenBacklog (set before listen(); the kernel caps it at
//   net.core.somaxconn), so a burst of reconnecting clients does not overflow Qt's default of 50;
// - TCP_NODELAY and SO_KEEPALIVE on every accepted socket.
// All deadlines are kept by one ConnectionDeadlines (one coarse timer), never a QTimer per socket.
#pragma once

#include "http/addresskey.h"
#include "http/connectiondeadlines.h"
#include "http/requestheadscanner.h"

#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtNetwork/QAbstractSocket>
#include <QtNetwork/QTcpServer>

#include <array>
#include <chrono>
#include <memory>
#include <unordered_map>

class QSocketNotifier;
class QTcpSocket;

namespace Sluice::Server {
class StreamConnection;
}

namespace Sluice::Server {

class Listener : public QTcpServer
{
    Q_OBJECT
public:
    struct Options
    {
        int maxConnections = 1024;
        int maxConnectionsPerAddress = 64;
        std::chrono::milliseconds idleTimeout { 60'000 };
        std::chrono::milliseconds requestTimeout { 10'000 };
        std::chrono::milliseconds closeGrace { 5'000 };
        std::chrono::milliseconds rejectLinger { 2'000 };
        int maxLingering = 256;
        qint64 maxRequestBytes = (1 << 20) + 64 * 1024;
        int listenBacklog = 4096;
        // Descriptors connections may use (FileLimits::descriptorBudget), 0: no limit.
        qint64 descriptorBudget = 0;
        std::chrono::milliseconds acceptRetryInitial { 100 };
        std::chrono::milliseconds acceptRetryMax { 1000 };
    };

    explicit Listener(const Options &options, QObject *parent = nullptr);
    ~Listener() override;

    // Use these instead of QTcpServer::listen()/close(). Qt 6.4's listening socket engine keeps
    // only the FIRST error it ever saw: after the first normal "nothing more to accept" (EAGAIN)
    // every later EMFILE looks temporary and QTcpServer retries in a busy loop (a core at 100 %
    // while out of descriptors); when EMFILE comes first, it pauses and every later EAGAIN looks
    // fatal, so it never accepts again. The Listener therefore leaves Qt's listening socket
    // paused and accepts on a duplicate of its descriptor with its own notifier and error
    // handling. close() hides QTcpServer::close() (call it on a Listener) and closes both.
    bool startListening(const QHostAddress &address, quint16 port);
    void close();

    const Options &options() const { return m_options; }
    int activeConnections() const { return m_active; }
    int lingeringConnections() const { return m_lingering; }
    int maxConnections() const { return m_options.maxConnections; }

    // For long-lived replies that do their own liveness handling: turns the idle timeout and the
    // request-head deadline off (or back on) for this socket. The closing grace always applies.
    static void setIdleTimeoutEnabled(QTcpSocket *socket, bool enabled);

    // The reply on this socket has no end (an SSE stream): its connection leaves QTcpSocket and
    // QHttpServer for a StreamConnection (see streamconnection.h), which the caller holds in a
    // QPointer; the socket is closed and deleted (with QHttpServer's request). The connection
    // still counts against the connection caps until the StreamConnection is gone; the idle and
    // request-head deadlines no longer apply (the stream keeps its own liveness). What the client
    // sent after its request is dropped. Null (and the socket untouched) when the descriptor
    // cannot be duplicated (out of descriptors) or the socket is not connected.
    static StreamConnection *takeOverStream(QTcpSocket *socket);

    // QHttpServer takes each socket from here and connects its own readyRead handler; the
    // Listener uses the next call to add a handler that runs after QHttpServer's (see .cpp).
    QTcpSocket *nextPendingConnection() override;

    // Accept attempts that failed for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM).
    int acceptErrors() const { return m_acceptErrors; }

Q_SIGNALS:
    void connectionRejected(); // --max-connections reached
    void addressCapRejected(); // --max-connections-per-ip reached
    void oversizedRequestRejected();
    void idleConnectionClosed();
    void requestHeadTimedOut();
    void unreadConnectionAborted(); // closing, but the peer did not read within closeGrace
    void acceptFailed(int osError); // errno of accept(); accepting resumes after a delay

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    enum class Phase : quint8 {
        AwaitingHead, // the request-head deadline runs
        Processing, // head complete, the server has not answered yet
        Answered, // the server wrote; the next byte from the peer starts a new request
    };
    struct Connection
    {
        QTcpSocket *socket = nullptr;
        AddressKey address;
        RequestHeadScanner head;
        qint64 received = 0; // bytes since the last reply byte went out (size guard)
        qint64 unreadAfterDispatch = 0; // what QHttpServer left unread after the last read
        Phase phase = Phase::AwaitingHead;
        bool admitted = false; // counted in m_active and m_perAddress
        bool released = false;
        bool lingering = false; // counted in m_lingering
        bool oversized = false;
        bool deadlinesOff = false; // setIdleTimeoutEnabled(false)
        bool hookedAfterDispatch = false;
    };
    struct LogThrottle
    {
        // At most one line per second; `skipped` says how many were held back since the last.
        bool allow(int *skipped);
        ConnectionDeadlines::Clock::time_point last {};
        int held = 0;
    };

    Connection *find(QTcpSocket *socket);
    void beforeDispatch(Connection &c);
    void hookAfterDispatch(Connection &c);
    void onBytesWritten(Connection &c);
    void onClosing(Connection &c);
    void onExpired(QObject *key, ConnectionDeadlines::Kind kind);
    void setDeadlinesOff(Connection &c, bool off);
    void rejectAtCapacity(Connection &c);
    void rejectForAddress(Connection &c, int open);
    void rejectOversized(Connection &c);
    // Writes a minimal JSON answer and closes, lingering if the budget allows; aborts otherwise.
    void answerAndClose(Connection &c, const QByteArray &statusLine, const QByteArray &body,
                        const QByteArray &extraHeaders = {});
    void release(Connection &c);
    void adoptStream(QTcpSocket *socket, StreamConnection *stream);
    void releaseAddress(const AddressKey &address);
    void forget(QTcpSocket *socket);
    void acceptPending();
    void acceptBatch();
    void handOverAccepted();
    void onAcceptError(int osError);
    void retryAccepting();
    void stopAccepting();
    bool takeReserve();
    void releaseReserve();

    const Options m_options;
    ConnectionDeadlines m_deadlines;
    std::unordered_map<QTcpSocket *, Connection> m_connections; // node-based: stable references
    QHash<AddressKey, int> m_perAddress;
    // Stream connections taken over from admitted sockets, still counted (takeOverStream).
    std::unordered_map<StreamConnection *, AddressKey> m_streams;
    QPointer<QTcpSocket> m_handedOver;
    // Sockets accepted in the current batch, handed to QHttpServer together (handOverAccepted).
    QList<QPointer<QTcpSocket>> m_accepted;
    bool m_accepting = false;
    int m_active = 0;
    int m_lingering = 0;
    int m_acceptFd = -1; // duplicate of the listening descriptor, ours to accept on
    std::array<int, 2> m_reserve { -1, -1 }; // /dev/null, given up when accept() runs out
    std::unique_ptr<QSocketNotifier> m_acceptNotifier;
    QTimer m_resumeTimer;
    std::chrono::milliseconds m_acceptRetry;
    int m_acceptErrors = 0;
    LogThrottle m_capLog;
    LogThrottle m_addressLog;
    LogThrottle m_headLog;
    LogThrottle m_unreadLog;
    LogThrottle m_lingerLog;
};

} // namespace Sluice::Server
