// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// ServerApp: wires configuration, store, auth, CORS and routes, and owns them all; start() binds
// the Listener, stop() stops accepting connections.
#pragma once

#include "config/serverconfig.h"
#include "cors/corspolicy.h"
#include "http/responsefinisher.h"
#include "http/routetable.h"

#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <functional>
#include <memory>

class QHttpServer;
class QHttpServerRequest;

namespace Sluice::Server {

class Authenticator;
class DemoProducer;
class EventPublisher;
class EventBus;
class StreamHub;
class Listener;
class Metrics;
class PromptLifecycle;
class PublishRateLimiter;
class Quotas;
class RetentionJob;
class StreamLimits;
class LoginRateLimiter;
class PasswordHashPool;
class RefreshTokenService;
class ServerContext;
class Store;
class TokenService;

class ServerApp : public QObject
{
    Q_OBJECT
public:
    explicit ServerApp(ServerConfig config, QObject *parent = nullptr);
    ~ServerApp() override;

    // Opens the store, registers every route; with `listen` also binds host:port. On failure
    // returns false with one line in *error.
    bool start(bool listen, QString *error);
    // Stops accepting new connections (open ones finish normally).
    void stop();
    // SIGTERM/SIGINT: stop accepting, end every stream with a final comment, then
    // call `done` once they are flushed (or after --drain-timeout).
    void shutdown(std::function<void()> done);

    quint16 port() const;
    QList<RouteInfo> routes() const;
    Store &store() { return *m_store; }
    // Login password checks in flight on the worker threads (a test harness waits for them).
    PasswordHashPool &passwordHashes() { return *m_passwordHashes; }
    const ServerConfig &config() const { return m_config; }
    Metrics &metrics() { return *m_metrics; }

private:
    QHttpServerResponse answerUnrouted(const QHttpServerRequest &request) const;
    bool startDemoProducer(QString *error); // --demo / --replay

    ServerConfig m_config;
    CorsPolicy m_cors;
    ResponseFinisher m_finisher;
    QHttpServer *m_http = nullptr;
    std::unique_ptr<RouteTable> m_routes;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<Authenticator> m_authenticator;
    std::unique_ptr<RefreshTokenService> m_refreshTokens;
    std::unique_ptr<LoginRateLimiter> m_loginLimiter;
    std::unique_ptr<PasswordHashPool> m_passwordHashes;
    std::unique_ptr<ServerContext> m_context;
    QPointer<Listener> m_listener;
    // Operations: metrics, stream caps, demo producer
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<StreamLimits> m_streamLimits;
    PromptLifecycle *m_promptLifecycle = nullptr;
    DemoProducer *m_demoProducer = nullptr;
    // Abuse limits (declared before the streaming members: the publisher uses the quotas)
    std::unique_ptr<Quotas> m_quotas;
    std::unique_ptr<PublishRateLimiter> m_publishLimiter;
    std::unique_ptr<RetentionJob> m_retention; // --retention set
    // streaming (declared last: destroyed first, streams before the bus and the store)
    std::unique_ptr<EventBus> m_bus;
    std::unique_ptr<StreamHub> m_streams;
    std::unique_ptr<EventPublisher> m_publisher;
};

} // namespace Sluice::Server
