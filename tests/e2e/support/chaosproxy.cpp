// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "support/chaosproxy.h"

#include <QtNetwork/QTcpSocket>

namespace Sluice::Test {

ChaosProxy::ChaosProxy(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &ChaosProxy::onNewConnection);
}

ChaosProxy::~ChaosProxy()
{
    const QList<Pair *> pairs = m_pairs;
    for (Pair *pair : pairs)
        closePair(pair);
}

bool ChaosProxy::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

quint16 ChaosProxy::port() const
{
    return m_server.serverPort();
}

void ChaosProxy::setTargetPort(quint16 port)
{
    m_target = port;
}

int ChaosProxy::openConnections() const
{
    return int(m_pairs.size());
}

int ChaosProxy::cutAll()
{
    const QList<Pair *> pairs = m_pairs;
    for (Pair *pair : pairs)
        closePair(pair);
    m_cuts += int(pairs.size());
    return int(pairs.size());
}

void ChaosProxy::closePair(Pair *pair)
{
    if (!m_pairs.removeOne(pair))
        return;
    for (QTcpSocket *socket : { pair->client.data(), pair->upstream.data() }) {
        if (!socket)
            continue;
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    delete pair;
}

void ChaosProxy::onNewConnection()
{
    while (QTcpSocket *client = m_server.nextPendingConnection()) {
        ++m_accepted;
        if (m_target == 0) {
            client->abort();
            client->deleteLater();
            continue;
        }
        auto *pair = new Pair;
        pair->client = client;
        // Small request/response exchanges: without TCP_NODELAY each would wait for a delayed
        // ACK (tens of milliseconds).
        client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        auto *upstream = new QTcpSocket(this);
        pair->upstream = upstream;
        m_pairs.append(pair);

        connect(upstream, &QTcpSocket::connected, this, [client, upstream] {
            upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            if (client->bytesAvailable() > 0)
                upstream->write(client->readAll());
        });
        connect(client, &QTcpSocket::readyRead, this, [client, upstream] {
            if (upstream->state() == QAbstractSocket::ConnectedState)
                upstream->write(client->readAll());
        });
        connect(upstream, &QTcpSocket::readyRead, this,
                [client, upstream] { client->write(upstream->readAll()); });
        // Either side closing (or failing to connect) closes both, after flushing what the
        // other side still has to send.
        const auto finish = [this, pair] {
            if (!m_pairs.contains(pair))
                return;
            if (pair->upstream && pair->client && pair->upstream->bytesAvailable() > 0)
                pair->client->write(pair->upstream->readAll());
            if (pair->client && pair->client->state() == QAbstractSocket::ConnectedState) {
                pair->client->disconnect(this);
                pair->client->disconnectFromHost();
                QTcpSocket *client = pair->client;
                connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
                pair->client = nullptr;
            }
            closePair(pair);
        };
        connect(upstream, &QTcpSocket::disconnected, this, finish);
        connect(upstream, &QTcpSocket::errorOccurred, this, finish);
        connect(client, &QTcpSocket::disconnected, this, finish);
        upstream->connectToHost(QHostAddress::LocalHost, m_target);
    }
}

} // namespace Sluice::Test
