// ServerApp: wires configuration, store, auth, CORS and routes, and owns them all; start() binds
// the Listener, stop() stops accepting connections.
#pragma once

#include "config/serverconfig.h"
#include "cors/corspolicy.h"
#include "http/responsefinisher.h"
#include "http/routetable.h"

#include <QObject>
#include <QPointer>

#include <memory>

class QHttpServer;
class QHttpServerRequest;

namespace Sluice::Server {

class Listener;

class ServerApp : public QObject
{
    Q_OBJECT
public:
    explicit ServerApp(ServerConfig config, QObject *parent = nullptr);
    ~ServerApp() override;

    // Registers every route; with `listen` also binds host:port. On failure returns false with one
    // line in *error.
    bool start(bool listen, QString *error);
    // Stops accepting new connections (open ones finish normally).
    void stop();

    quint16 port() const;
    QList<RouteInfo> routes() const;
    const ServerConfig &config() const { return m_config; }

private:
    QHttpServerResponse answerUnrouted(const QHttpServerRequest &request) const;

    ServerConfig m_config;
    CorsPolicy m_cors;
    ResponseFinisher m_finisher;
    QHttpServer *m_http = nullptr;
    std::unique_ptr<RouteTable> m_routes;
    QPointer<Listener> m_listener;
};

} // namespace Sluice::Server
