// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/listener.h"

#include "http/requestlog.h"
#include "http/streamconnection.h"
#include "logging.h"

#include <QtCore/QFile>
#include <QtCore/QSignalBlocker>
#include <QtCore/QSocketNotifier>
#include <QtNetwork/QTcpSocket>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Sluice::Server {

namespace {

using namespace std::chrono_literals;
using Kind = ConnectionDeadlines::Kind;

// A request head longer than this is not looked at further: it can only complete by the
// server answering it (QHttpServer reads it anyway) or be cut at the deadline.
constexpr qint64 maxHeadScan = 64 * 1024;

std::chrono::milliseconds tickFor(const Listener::Options &o)
{
    const auto shortest
        = std::min({ o.idleTimeout, o.requestTimeout, o.closeGrace, o.rejectLinger });
    return std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
}

QByteArray minimalReply(const QByteArray &statusLine, const QByteArray &body,
                        const QByteArray &extraHeaders)
{
    return QByteArrayLiteral("HTTP/1.1 ") + statusLine
        + QByteArrayLiteral("\r\nContent-Type: application/json\r\n"
                            "Vary: Origin\r\n"
                            "Cache-Control: no-store\r\n"
                            "Connection: close\r\n")
        + extraHeaders + QByteArrayLiteral("Content-Length: ") + QByteArray::number(body.size())
        + QByteArrayLiteral("\r\n\r\n") + body;
}

// abort() closes the descriptor, but the kernel would still try to deliver what it holds (an
// orphaned connection to a peer that does not read): a zero linger time makes it a reset.
void resetConnection(QTcpSocket *socket)
{
    if (const qintptr fd = socket->socketDescriptor(); fd >= 0) {
        const linger immediate { 1, 0 };
        ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &immediate, sizeof immediate);
    }
    socket->abort();
}

const QByteArray serviceUnavailable = QByteArrayLiteral("503 Service Unavailable");
const QByteArray retryAfter = QByteArrayLiteral("Retry-After: 1\r\n");

// The kernel's cap on listen backlogs (Linux), 0 when unknown.
int somaxconn()
{
    QFile file(QStringLiteral("/proc/sys/net/core/somaxconn"));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return file.readAll().trimmed().toInt();
}

QByteArray heldBack(int skipped)
{
    return skipped > 0 ? QByteArrayLiteral(" (") + QByteArray::number(skipped)
            + QByteArrayLiteral(" more since the last line)")
                       : QByteArray();
}

} // namespace

bool Listener::LogThrottle::allow(int *skipped)
{
    const auto now = ConnectionDeadlines::Clock::now();
    if (last != ConnectionDeadlines::Clock::time_point {} && now - last < 1s) {
        ++held;
        return false;
    }
    last = now;
    *skipped = held;
    held = 0;
    return true;
}

Listener::Listener(const Options &options, QObject *parent)
    : QTcpServer(parent)
    , m_options(options)
    , m_deadlines(tickFor(options))
    , m_acceptRetry(options.acceptRetryInitial)
{
    setListenBacklogSize(m_options.listenBacklog);
    connect(&m_deadlines, &ConnectionDeadlines::expired, this, &Listener::onExpired);
    m_resumeTimer.setSingleShot(true);
    connect(&m_resumeTimer, &QTimer::timeout, this, &Listener::retryAccepting);
}

Listener::~Listener()
{
    stopAccepting();
    // ~QTcpServer would delete the pending sockets after our members are gone, and ~QObject the
    // others: let the pending ones go now, and cut every socket's signals to this object.
    QTcpServer::close();
    for (const auto &[socket, connection] : m_connections)
        socket->disconnect(this);
    for (const auto &[stream, address] : m_streams)
        stream->disconnect(this);
}

bool Listener::startListening(const QHostAddress &address, quint16 port)
{
    if (!QTcpServer::listen(address, port))
        return false;
    if (const int cap = somaxconn(); cap > 0 && cap < m_options.listenBacklog) {
        qCWarning(lcListener, "listen backlog %d is capped at %d by net.core.somaxconn",
                  m_options.listenBacklog, cap);
    }
    // Qt's accept loop stays paused for good (see the header); ours uses a duplicate descriptor
    // of the same listening socket, so the two notifiers never share a descriptor.
    QTcpServer::pauseAccepting();
    m_acceptFd = ::fcntl(int(socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (m_acceptFd < 0) {
        qCWarning(lcListener, "cannot duplicate the listening socket (%s): Qt accepts instead",
                  std::strerror(errno));
        QTcpServer::resumeAccepting();
        return true;
    }
    m_acceptNotifier = std::make_unique<QSocketNotifier>(m_acceptFd, QSocketNotifier::Read);
    connect(m_acceptNotifier.get(), &QSocketNotifier::activated, this, &Listener::acceptPending);
    takeReserve();
    return true;
}

void Listener::close()
{
    // May run inside the notifier's own signal (a newConnection slot): delete it later.
    if (m_acceptNotifier) {
        m_acceptNotifier->setEnabled(false);
        m_acceptNotifier.release()->deleteLater();
    }
    stopAccepting();
    QTcpServer::close();
}

void Listener::stopAccepting()
{
    m_resumeTimer.stop();
    m_acceptNotifier.reset();
    if (m_acceptFd >= 0) {
        ::close(m_acceptFd);
        m_acceptFd = -1;
    }
    releaseReserve();
}

bool Listener::takeReserve()
{
    bool complete = true;
    for (int &fd : m_reserve) {
        if (fd < 0)
            fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        complete = complete && fd >= 0;
    }
    return complete;
}

void Listener::releaseReserve()
{
    for (int &fd : m_reserve) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

void Listener::retryAccepting()
{
    if (!m_acceptNotifier)
        return;
    // Accept again only once the reserve is back: the rest of the server keeps its descriptors.
    if (!takeReserve()) {
        const std::chrono::milliseconds delay = m_acceptRetry;
        m_acceptRetry = std::min(m_acceptRetry * 2, m_options.acceptRetryMax);
        m_resumeTimer.start(delay);
        return;
    }
    m_acceptNotifier->setEnabled(true);
}

void Listener::acceptPending()
{
    m_accepting = true;
    acceptBatch();
    m_accepting = false;
    handOverAccepted();
}

// QHttpServer 6.4 takes new sockets in a slot that calls QObject::sender(), which walks every
// connection made to the server object — one per open socket — so a signal per accepted socket
// made a connection storm quadratic (QObject::sender was 12 % of a 6 000-stream storm). The
// batch is handed over with one signal: QTcpServer's pendingConnectionAvailable only for the
// last socket (QHttpServer's slot then takes all of them) and one newConnection.
void Listener::handOverAccepted()
{
    QList<QPointer<QTcpSocket>> accepted;
    accepted.swap(m_accepted);
    accepted.removeIf([](const QPointer<QTcpSocket> &socket) { return socket.isNull(); });
    for (qsizetype i = 0; i < accepted.size(); ++i) {
        if (i + 1 < accepted.size()) {
            const QSignalBlocker quiet(this);
            addPendingConnection(accepted.at(i));
        } else {
            addPendingConnection(accepted.at(i));
        }
    }
    if (hasPendingConnections())
        Q_EMIT newConnection();
}

void Listener::acceptBatch()
{
    // The notifier is level-triggered: a bounded batch per wake-up keeps other sockets served
    // during a connection storm; the rest comes on the next iteration of the event loop.
    constexpr int batch = 256;
    for (int i = 0; i < batch && m_acceptFd >= 0; ++i) {
        const int fd = ::accept4(m_acceptFd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0) {
            m_acceptRetry = m_options.acceptRetryInitial; // accepting works (again)
            incomingConnection(fd);
            continue;
        }
        switch (errno) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
            return; // nothing more waiting
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            onAcceptError(errno);
            return;
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case ENETDOWN:
        case ENETUNREACH:
        case EHOSTDOWN:
        case EHOSTUNREACH:
        case ENONET:
        case ENOPROTOOPT:
        case EOPNOTSUPP:
            continue; // that connection is gone (Linux passes its network errors on): next one
        default:
            qCCritical(lcListener, "the listening socket failed (%s): no longer accepting",
                       std::strerror(errno));
            if (m_acceptNotifier)
                m_acceptNotifier->setEnabled(false);
            return;
        }
    }
}

Listener::Connection *Listener::find(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    return it == m_connections.end() ? nullptr : &it->second;
}

void Listener::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        qCWarning(lcListener) << "cannot adopt accepted socket:" << socket->errorString();
        delete socket;
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);

    Connection &c = m_connections.try_emplace(socket).first->second;
    c.socket = socket;
    c.address = AddressKey::of(socket->peerAddress());
    Connection *const conn = &c; // valid until the socket is destroyed (forget())
    connect(socket, &QObject::destroyed, this, [this, socket] { forget(socket); });
    // QHttpServer 6.4 does not delete closed sockets itself; release the slot and the socket here.
    connect(socket, &QAbstractSocket::disconnected, this, [this, conn] {
        release(*conn);
        conn->socket->deleteLater();
    });
    connect(socket, &QAbstractSocket::stateChanged, this,
            [this, conn](QAbstractSocket::SocketState state) {
                if (state == QAbstractSocket::ClosingState)
                    onClosing(*conn);
            });
    m_deadlines.add(socket);

    if (m_active >= m_options.maxConnections) {
        rejectAtCapacity(c);
        return;
    }
    if (const int open = m_perAddress.value(c.address);
        open >= m_options.maxConnectionsPerAddress) {
        rejectForAddress(c, open);
        return;
    }

    c.admitted = true;
    ++m_active;
    ++m_perAddress[c.address];
    // Connected before QHttpServer's own readyRead handler, so it runs first for every read.
    connect(socket, &QTcpSocket::readyRead, this, [this, conn] { beforeDispatch(*conn); });
    connect(socket, &QTcpSocket::bytesWritten, this, [this, conn] { onBytesWritten(*conn); });
    m_deadlines.arm(socket, Kind::Idle, m_options.idleTimeout);
    m_deadlines.arm(socket, Kind::RequestHead, m_options.requestTimeout);
    if (m_accepting)
        m_accepted.append(socket);
    else
        addPendingConnection(socket);
}

QTcpSocket *Listener::nextPendingConnection()
{
    // QHttpServer 6.4 takes sockets in a loop: nextPendingConnection(), connect its readyRead
    // handler, next. By the time it asks again, the previous socket's handler is connected, and
    // a slot connected now runs after it on every read: it sees what QHttpServer left unread.
    if (m_handedOver) {
        if (Connection *c = find(m_handedOver))
            hookAfterDispatch(*c);
    }
    m_handedOver = QTcpServer::nextPendingConnection();
    if (m_acceptFd >= 0)
        QTcpServer::pauseAccepting(); // the base class turned Qt's accept loop back on
    return m_handedOver;
}

void Listener::hookAfterDispatch(Connection &c)
{
    if (c.hookedAfterDispatch)
        return;
    c.hookedAfterDispatch = true;
    Connection *const conn = &c;
    connect(c.socket, &QTcpSocket::readyRead, this,
            [conn] { conn->unreadAfterDispatch = conn->socket->bytesAvailable(); });
}

void Listener::beforeDispatch(Connection &c)
{
    RequestLog::markDispatchStart();
    QTcpSocket *const socket = c.socket;
    // QHttpServer reads everything it is given unless a request completed with more bytes
    // behind it (pipelining); it then leaves those unread and emits readyRead again. Only bytes
    // beyond what it left are new. (Without the after-dispatch hook, assume it read everything.)
    const qint64 available = socket->bytesAvailable();
    const qint64 leftOver = c.hookedAfterDispatch ? c.unreadAfterDispatch : 0;
    const qint64 fresh = std::max<qint64>(0, available - leftOver);
    if (!c.hookedAfterDispatch)
        hookAfterDispatch(c); // effective from the next read

    if (c.oversized) {
        socket->readAll(); // discard; QHttpServer must not see the rest
        return;
    }
    if (fresh > 0 && !c.deadlinesOff)
        m_deadlines.arm(socket, Kind::Idle, m_options.idleTimeout);

    c.received += fresh;
    if (c.received > m_options.maxRequestBytes) {
        rejectOversized(c);
        return;
    }

    if (c.phase == Phase::Answered) {
        if (fresh == 0)
            return;
        // The first bytes after an answer start the next request: its head deadline starts now.
        c.phase = Phase::AwaitingHead;
        c.head.reset();
        if (!c.deadlinesOff)
            m_deadlines.arm(socket, Kind::RequestHead, m_options.requestTimeout);
    }
    if (c.phase != Phase::AwaitingHead || available == 0)
        return;
    // Bytes left unread after a complete request start the next one; otherwise the unread bytes
    // are the new ones and continue the head scanned so far.
    if (leftOver > 0)
        c.head.reset();
    const qint64 limit = std::min(available, maxHeadScan - c.head.scanned());
    // Heads are short and may be followed by a large body in the same read: look at 4 KiB first.
    qint64 fed = 0;
    for (qint64 want = std::min<qint64>(limit, 4096); fed < limit; want = limit) {
        const QByteArray bytes = socket->peek(want);
        if (bytes.size() <= fed)
            return;
        if (c.head.feed(QByteArrayView(bytes).sliced(fed))) {
            c.phase = Phase::Processing;
            m_deadlines.disarm(socket, Kind::RequestHead);
            return;
        }
        fed = bytes.size();
    }
}

void Listener::onBytesWritten(Connection &c)
{
    c.received = 0;
    if (!c.deadlinesOff)
        m_deadlines.arm(c.socket, Kind::Idle, m_options.idleTimeout);
    if (c.phase != Phase::Answered) {
        // QHttpServer 6.4 answers only complete requests: whatever was pending is done.
        c.phase = Phase::Answered;
        m_deadlines.disarm(c.socket, Kind::RequestHead);
    }
}

void Listener::onClosing(Connection &c)
{
    m_deadlines.disarm(c.socket, Kind::Idle);
    m_deadlines.disarm(c.socket, Kind::RequestHead);
    m_deadlines.arm(c.socket, Kind::Closing, m_options.closeGrace);
}

void Listener::onExpired(QObject *key, ConnectionDeadlines::Kind kind)
{
    auto *const socket = static_cast<QTcpSocket *>(key); // the only keys this instance has
    Connection *const c = find(socket);
    if (!c)
        return;
    int skipped = 0;
    switch (kind) {
    case Kind::Idle:
        if (socket->state() != QAbstractSocket::ConnectedState || c->deadlinesOff)
            return;
        qCDebug(lcListener, "closing connection from %s idle for %lld ms",
                qPrintable(socket->peerAddress().toString()),
                static_cast<long long>(m_options.idleTimeout.count()));
        Q_EMIT idleConnectionClosed();
        socket->disconnectFromHost();
        return;
    case Kind::RequestHead:
        if (socket->state() != QAbstractSocket::ConnectedState || c->deadlinesOff
            || c->phase != Phase::AwaitingHead) {
            return;
        }
        if (m_headLog.allow(&skipped)) {
            qCInfo(lcListener,
                   "closing connection from %s: no complete request head within %lld ms%s",
                   qPrintable(socket->peerAddress().toString()),
                   static_cast<long long>(m_options.requestTimeout.count()),
                   heldBack(skipped).constData());
        }
        Q_EMIT requestHeadTimedOut();
        socket->disconnectFromHost();
        return;
    case Kind::Closing:
        if (socket->state() != QAbstractSocket::ClosingState)
            return;
        if (m_unreadLog.allow(&skipped)) {
            qCInfo(lcListener,
                   "aborting connection from %s: the peer did not read the last %lld bytes "
                   "within %lld ms%s",
                   qPrintable(socket->peerAddress().toString()),
                   static_cast<long long>(socket->bytesToWrite()),
                   static_cast<long long>(m_options.closeGrace.count()),
                   heldBack(skipped).constData());
        }
        Q_EMIT unreadConnectionAborted();
        resetConnection(socket);
        return;
    case Kind::Linger:
        if (socket->state() != QAbstractSocket::UnconnectedState)
            resetConnection(socket);
        return;
    case Kind::Heartbeat:
    case Kind::Stall:
    case Kind::Expiry:
        return; // SseStream's, never armed here
    }
}

void Listener::setIdleTimeoutEnabled(QTcpSocket *socket, bool enabled)
{
    if (!socket)
        return;
    // Accepted sockets are created as children of their Listener (QHttpServer 6.4 keeps them so).
    auto *listener = qobject_cast<Listener *>(socket->parent());
    if (!listener)
        return;
    if (Connection *c = listener->find(socket))
        listener->setDeadlinesOff(*c, !enabled);
}

StreamConnection *Listener::takeOverStream(QTcpSocket *socket)
{
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return nullptr;
    const int fd = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        qCWarning(lcListener, "cannot take over a stream's connection from %s (%s)",
                  qPrintable(socket->peerAddress().toString()), std::strerror(errno));
        return nullptr;
    }
    // A child of the socket's server, so that nothing outlives it at teardown.
    auto *stream = new StreamConnection(fd, socket->parent());
    if (auto *listener = qobject_cast<Listener *>(socket->parent()))
        listener->adoptStream(socket, stream);
    // Closing the socket leaves the connection open (the duplicate holds it); QHttpServer deletes
    // the socket and its request once it is closed, and unread bytes go with its buffer.
    socket->abort();
    return stream;
}

void Listener::adoptStream(QTcpSocket *socket, StreamConnection *stream)
{
    Connection *const c = find(socket);
    if (!c || !c->admitted || c->released)
        return;
    // The count moves from the socket (about to close) to the stream connection.
    c->admitted = false;
    m_streams.emplace(stream, c->address);
    connect(stream, &QObject::destroyed, this, [this, stream] {
        const auto it = m_streams.find(stream);
        if (it == m_streams.end())
            return;
        releaseAddress(it->second);
        m_streams.erase(it);
    });
}

void Listener::setDeadlinesOff(Connection &c, bool off)
{
    c.deadlinesOff = off;
    if (off) {
        m_deadlines.disarm(c.socket, Kind::Idle);
        m_deadlines.disarm(c.socket, Kind::RequestHead);
        return;
    }
    if (c.socket->state() != QAbstractSocket::ConnectedState)
        return;
    m_deadlines.arm(c.socket, Kind::Idle, m_options.idleTimeout);
    if (c.phase == Phase::AwaitingHead)
        m_deadlines.arm(c.socket, Kind::RequestHead, m_options.requestTimeout);
}

void Listener::rejectAtCapacity(Connection &c)
{
    int skipped = 0;
    if (m_capLog.allow(&skipped)) {
        qCWarning(lcListener, "connection cap (%d) reached: rejecting %s with 503%s",
                  m_options.maxConnections, qPrintable(c.socket->peerAddress().toString()),
                  heldBack(skipped).constData());
    }
    Q_EMIT connectionRejected();
    answerAndClose(c, serviceUnavailable,
                   QByteArrayLiteral("{\"error\":\"too many open connections, retry later\","
                                     "\"code\":\"SERVICE_UNAVAILABLE\"}"),
                   retryAfter);
}

void Listener::rejectForAddress(Connection &c, int open)
{
    int skipped = 0;
    if (m_addressLog.allow(&skipped)) {
        qCWarning(lcListener,
                  "per-address connection cap (%d) reached for %s (%d open): rejecting with 503%s",
                  m_options.maxConnectionsPerAddress, qPrintable(c.address.toString()), open,
                  heldBack(skipped).constData());
    }
    Q_EMIT addressCapRejected();
    answerAndClose(c, serviceUnavailable,
                   QByteArrayLiteral("{\"error\":\"too many open connections from your address, "
                                     "retry later\",\"code\":\"SERVICE_UNAVAILABLE\"}"),
                   retryAfter);
}

void Listener::rejectOversized(Connection &c)
{
    c.oversized = true;
    c.socket->readAll();
    qCWarning(lcListener, "request from %s exceeds %lld bytes: 413 and close",
              qPrintable(c.socket->peerAddress().toString()),
              static_cast<long long>(m_options.maxRequestBytes));
    Q_EMIT oversizedRequestRejected();
    answerAndClose(c, QByteArrayLiteral("413 Payload Too Large"),
                   QByteArrayLiteral("{\"error\":\"request too large\","
                                     "\"code\":\"PAYLOAD_TOO_LARGE\"}"));
}

void Listener::answerAndClose(Connection &c, const QByteArray &statusLine, const QByteArray &body,
                              const QByteArray &extraHeaders)
{
    QTcpSocket *const socket = c.socket;
    const bool budgetLeft
        = m_options.descriptorBudget <= 0 || m_active + m_lingering < m_options.descriptorBudget;
    if (m_lingering >= m_options.maxLingering || !budgetLeft) {
        int skipped = 0;
        if (m_lingerLog.allow(&skipped)) {
            qCWarning(lcListener, "%d rejected sockets are still closing: aborting %s at once%s",
                      m_lingering, qPrintable(socket->peerAddress().toString()),
                      heldBack(skipped).constData());
        }
        // A plain close, not a reset: a Qt client still testing its connect() would take a
        // reset as "not connected yet" and connect again, in a loop.
        socket->abort();
        return;
    }
    c.lingering = true;
    ++m_lingering;
    m_deadlines.arm(socket, Kind::Linger, m_options.rejectLinger);
    socket->write(minimalReply(statusLine, body, extraHeaders));
    // Drain whatever the client still sends so closing does not turn into a reset before it
    // reads the answer (admitted sockets drain in beforeDispatch, being oversized).
    if (!c.admitted)
        connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->readAll(); });
    socket->disconnectFromHost();
}

void Listener::release(Connection &c)
{
    if (c.released)
        return;
    c.released = true;
    if (c.admitted)
        releaseAddress(c.address);
    if (c.lingering)
        --m_lingering;
    m_deadlines.remove(c.socket);
}

void Listener::releaseAddress(const AddressKey &address)
{
    --m_active;
    const auto it = m_perAddress.find(address);
    if (it != m_perAddress.end() && --it.value() <= 0)
        m_perAddress.erase(it);
}

void Listener::forget(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    release(it->second);
    m_connections.erase(it);
}

void Listener::onAcceptError(int osError)
{
    // Usually out of descriptors, which closing connections cures. First hand the reserve back,
    // so the database, the logs (and the sanitizers) still find descriptors; stop watching the
    // listening socket (it stays readable, so watching it would spin) and try again after a
    // backoff. The connections keep waiting in the listen queue meanwhile.
    releaseReserve();
    if (m_acceptNotifier)
        m_acceptNotifier->setEnabled(false);
    ++m_acceptErrors;
    const std::chrono::milliseconds delay = m_acceptRetry;
    m_acceptRetry = std::min(m_acceptRetry * 2, m_options.acceptRetryMax);
    qCWarning(lcListener,
              "accepting a connection failed (%s; %d open, %d closing): retrying in %lld ms",
              std::strerror(osError), m_active, m_lingering, static_cast<long long>(delay.count()));
    Q_EMIT acceptFailed(osError);
    m_resumeTimer.start(delay);
}

} // namespace Sluice::Server
