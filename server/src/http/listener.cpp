#include "http/listener.h"

#include "http/httplogging.h"
#include "http/requestlog.h"

#include <QTcpSocket>
#include <QTimer>

#include <memory>

namespace Sluice::Server {

namespace {
constexpr char idleTimerName[] = "sluice_idle_timer";
constexpr auto rejectLinger = std::chrono::seconds(2);
} // namespace

Listener::Listener(int maxConnections, std::chrono::milliseconds idleTimeout,
                   qint64 maxRequestBytes, QObject *parent)
    : QTcpServer(parent)
    , m_maxConnections(maxConnections)
    , m_idleTimeout(idleTimeout)
    , m_maxRequestBytes(maxRequestBytes)
{ }

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

    if (m_active >= m_maxConnections) {
        reject(socket);
        return;
    }

    ++m_active;
    // QHttpServer 6.4 does not delete closed sockets itself; release the slot and the socket here.
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
        if (!socket->property("sluiceReleased").toBool()) {
            socket->setProperty("sluiceReleased", true);
            --m_active;
        }
        socket->deleteLater();
    });
    // Connected before QHttpServer's own readyRead handler, so they run first for every read.
    connect(socket, &QTcpSocket::readyRead, this, [] { RequestLog::markDispatchStart(); });
    guardRequestSize(socket);
    armIdleTimer(socket);
    addPendingConnection(socket);
}

void Listener::reject(QTcpSocket *socket)
{
    qCWarning(lcListener, "connection cap (%d) reached: rejecting %s with 503", m_maxConnections,
              qPrintable(socket->peerAddress().toString()));
    Q_EMIT connectionRejected();
    closeWith(socket, QByteArrayLiteral("503 Service Unavailable"),
              QByteArrayLiteral("{\"error\":\"too many open connections, retry later\","
                                "\"code\":\"SERVICE_UNAVAILABLE\"}"),
              QByteArrayLiteral("Retry-After: 1\r\n"));
}

void Listener::guardRequestSize(QTcpSocket *socket)
{
    // Bytes received since the last reply byte went out: the request(s) still being read.
    auto received = std::make_shared<qint64>(0);
    connect(socket, &QTcpSocket::bytesWritten, socket, [received] { *received = 0; });
    connect(socket, &QTcpSocket::readyRead, this, [this, socket, received] {
        if (socket->property("sluiceOversized").toBool()) {
            socket->readAll(); // discard; QHttpServer must not see the rest
            return;
        }
        *received += socket->bytesAvailable();
        if (*received <= m_maxRequestBytes)
            return;
        socket->setProperty("sluiceOversized", true);
        socket->readAll();
        qCWarning(lcListener, "request from %s exceeds %lld bytes: 413 and close",
                  qPrintable(socket->peerAddress().toString()),
                  static_cast<long long>(m_maxRequestBytes));
        Q_EMIT oversizedRequestRejected();
        closeWith(socket, QByteArrayLiteral("413 Payload Too Large"),
                  QByteArrayLiteral("{\"error\":\"request too large\","
                                    "\"code\":\"PAYLOAD_TOO_LARGE\"}"));
    });
}

void Listener::closeWith(QTcpSocket *socket, const QByteArray &statusLine, const QByteArray &body,
                         const QByteArray &extraHeaders)
{
    socket->write(QByteArrayLiteral("HTTP/1.1 ") + statusLine
                  + QByteArrayLiteral("\r\nContent-Type: application/json\r\n"
                                      "Vary: Origin\r\n"
                                      "Cache-Control: no-store\r\n"
                                      "Connection: close\r\n")
                  + extraHeaders + QByteArrayLiteral("Content-Length: ")
                  + QByteArray::number(body.size()) + QByteArrayLiteral("\r\n\r\n") + body);
    // Drain whatever the client still sends so closing does not turn into a reset before it
    // reads the answer; give up after a short linger.
    connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->readAll(); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(rejectLinger, socket, [socket] { socket->abort(); });
    socket->disconnectFromHost();
}

void Listener::armIdleTimer(QTcpSocket *socket)
{
    auto *timer = new QTimer(socket);
    timer->setObjectName(QLatin1String(idleTimerName));
    timer->setSingleShot(true);
    timer->setInterval(m_idleTimeout);
    const auto restart = [timer] {
        if (timer->property("sluiceIdleEnabled").toBool())
            timer->start();
    };
    timer->setProperty("sluiceIdleEnabled", true);
    connect(socket, &QTcpSocket::readyRead, timer, restart);
    connect(socket, &QTcpSocket::bytesWritten, timer, restart);
    connect(timer, &QTimer::timeout, this, [this, socket] {
        qCDebug(lcListener, "closing connection from %s idle for %lld ms",
                qPrintable(socket->peerAddress().toString()),
                static_cast<long long>(m_idleTimeout.count()));
        Q_EMIT idleConnectionClosed();
        socket->disconnectFromHost();
    });
    timer->start();
}

void Listener::setIdleTimeoutEnabled(QTcpSocket *socket, bool enabled)
{
    if (!socket)
        return;
    auto *timer
        = socket->findChild<QTimer *>(QLatin1String(idleTimerName), Qt::FindDirectChildrenOnly);
    if (!timer)
        return;
    timer->setProperty("sluiceIdleEnabled", enabled);
    if (enabled)
        timer->start();
    else
        timer->stop();
}

} // namespace Sluice::Server
