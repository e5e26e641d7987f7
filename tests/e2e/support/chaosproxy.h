// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// ChaosProxy: a TCP proxy on 127.0.0.1 for end-to-end tests. Clients connect to the proxy's
// stable port; it forwards each connection to the current target port (which changes when the
// server behind it restarts) and can cut every open connection at once, like a network that
// drops. Bytes are forwarded as they come, in both directions.

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtNetwork/QTcpServer>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace Sluice::Test {

class ChaosProxy : public QObject
{
    Q_OBJECT
public:
    explicit ChaosProxy(QObject *parent = nullptr);
    ~ChaosProxy() override;

    bool listen();
    quint16 port() const;
    // Where new connections go (a port on 127.0.0.1); 0 refuses them (closes at once).
    void setTargetPort(quint16 port);
    quint16 targetPort() const { return m_target; }

    // Aborts every open connection, both sides. Returns how many were cut.
    int cutAll();
    int openConnections() const;
    // Connections accepted so far, and cut by cutAll().
    int accepted() const { return m_accepted; }
    int cuts() const { return m_cuts; }

private:
    struct Pair
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> upstream;
    };
    void onNewConnection();
    void closePair(Pair *pair);

    QTcpServer m_server;
    quint16 m_target = 0;
    QList<Pair *> m_pairs;
    int m_accepted = 0;
    int m_cuts = 0;
};

} // namespace Sluice::Test
