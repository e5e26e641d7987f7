// Listener: the QTcpServer that QHttpServer is bound to. QHttpServer 6.4 has no connection cap and
// never closes idle connections, so both live here:
// - at most maxConnections open sockets; an extra connection gets a minimal 503 and is closed;
// - a socket with no traffic in either direction for idleTimeout is closed (streams keep theirs
//   alive with heartbeats, or opt out with setIdleTimeoutEnabled(socket, false));
// - a connection that sends more than maxRequestBytes before the server answers (QHttpServer 6.4
//   buffers whole bodies before routing) gets a minimal 413 and is closed; bodies within that
//   bound but over the configured body limit get the normal 413 JSON from the routes;
// - TCP_NODELAY and SO_KEEPALIVE on every accepted socket.
#pragma once

#include <QTcpServer>

#include <chrono>

class QTcpSocket;

namespace Sluice::Server {

class Listener : public QTcpServer
{
    Q_OBJECT
public:
    Listener(int maxConnections, std::chrono::milliseconds idleTimeout, qint64 maxRequestBytes,
             QObject *parent = nullptr);

    int activeConnections() const { return m_active; }
    int maxConnections() const { return m_maxConnections; }

    // For long-lived replies that do their own liveness handling.
    static void setIdleTimeoutEnabled(QTcpSocket *socket, bool enabled);

Q_SIGNALS:
    void connectionRejected();
    void oversizedRequestRejected();
    void idleConnectionClosed();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void reject(QTcpSocket *socket);
    void armIdleTimer(QTcpSocket *socket);
    void guardRequestSize(QTcpSocket *socket);
    static void closeWith(QTcpSocket *socket, const QByteArray &statusLine, const QByteArray &body,
                          const QByteArray &extraHeaders = {});

    int m_maxConnections;
    std::chrono::milliseconds m_idleTimeout;
    qint64 m_maxRequestBytes;
    int m_active = 0;
};

} // namespace Sluice::Server
