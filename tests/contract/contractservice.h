// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QStringList>
#include <QtHttpServer/QHttpServer>
#include <QtNetwork/QNetworkAccessManager>

namespace SluiceContract {

class ContractStream;

// The test service of LaunchDarkly's sse-contract-tests (docs/service_spec.md):
//   GET /                 -> {"capabilities":[...]}
//   DELETE /              -> 204, then the process quits
//   POST /                -> creates a stream (201 + Location: <base>/streams/<n>), 400 if invalid
//   POST /streams/<n>     -> command: listen | restart (400 unknown, 404 no such stream)
//   DELETE /streams/<n>   -> closes the stream (404 no such stream)
class ContractService : public QObject
{
    Q_OBJECT
public:
    explicit ContractService(QObject *parent = nullptr);
    ~ContractService() override;

    static QStringList capabilities();

    // Listens on 127.0.0.1:port (0 = any free port). Returns the port, 0 on failure.
    quint16 listen(quint16 port);

Q_SIGNALS:
    void stopRequested();

private:
    void registerRoutes();

    QHttpServer m_server;
    QNetworkAccessManager m_network;
    QHash<int, QPointer<ContractStream>> m_streams;
    int m_nextId = 1;
    quint16 m_port = 0;
};

} // namespace SluiceContract
