#include "http/listener.h"

#include "http/httplogging.h"
#include "http/requestlog.h"

#include <QTcpSocket>
#include <QTimer>

namespace Sluice::Server {

namespace {
constexpr char idleTimerName[] = "sluice_idle_timer";
constexpr auto rejectLinger = std::chrono::seconds(2);
} // namespace

Listener::Listener(int maxConnections, std::chrono::milliseconds idleTimeout, QObject *parent)
    : QTcpServer(parent)
    , m_maxConnections(maxConnections)
    , m_idleTimeout(idleTimeout)
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
    // Connected before QHttpServer's own readyRead handler, so it runs first for every read.
    connect(socket, &QTcpSocket::readyRead, this, [] { RequestLog::markDispatchStart(); });
    armIdleTimer(socket);
    addPendingConnection(socket);
}

void Listener::reject(QTcpSocket *socket)
{
    qCWarning(lcListener, "connection cap (%d) reached: rejecting %s with 503", m_maxConnections,
              qPrintable(socket->peerAddress().toString()));
    Q_EMIT connectionRejected();
    static const QByteArray body = QByteArrayLiteral(
        "{\"error\":\"too many open connections, retry later\",\"code\":\"SERVICE_UNAVAILABLE\"}");
    socket->write(QByteArrayLiteral("HTTP/1.1 503 Service Unavailable\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Retry-After: 1\r\n"
                                    "Vary: Origin\r\n"
                                    "Cache-Control: no-store\r\n"
                                    "Connection: close\r\n"
                                    "Content-Length: ")
                  + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    // Drain whatever the client sends so closing does not turn into a reset before it reads.
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
