// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "app/serverapp.h"

#include "auth/authenticator.h"
#include "auth/loginratelimiter.h"
#include "auth/passwordhashpool.h"
#include "auth/refreshtokenservice.h"
#include "auth/tokenservice.h"
#include "bus/inmemoryeventbus.h"
#ifdef SLUICE_HAVE_REDIS
#include "bus/rediseventbus.h"
#include "bus/redislocation.h"
#endif
#include "demo/demoproducer.h"
#include "http/filelimits.h"
#include "http/httpcompat.h"
#include "http/jsonreply.h"
#include "http/listener.h"
#include "http/requestlog.h"
#include "logging.h"
#include "metrics/metrics.h"
#include "ops/promptlifecycle.h"
#include "ops/publishratelimiter.h"
#include "ops/quotas.h"
#include "ops/retentionjob.h"
#include "ops/streamlimits.h"
#include "routes/authroutes.h"
#include "routes/eventroutes.h"
#include "routes/healthroutes.h"
#include "routes/metricsroutes.h"
#include "routes/promptroutes.h"
#include "routes/servercontext.h"
#include "routes/sessionroutes.h"
#include "routes/streamroutes.h"
#include "store/storeopener.h"
#include "stream/eventpublisher.h"
#include "stream/streamhub.h"

#include <QtHttpServer/QHttpServer>
#include <QtHttpServer/QHttpServerRequest>

namespace Sluice::Server {

ServerApp::ServerApp(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_cors(m_config.corsOrigins)
    , m_finisher(m_cors)
    , m_http(new QHttpServer(this))
    , m_routes(std::make_unique<RouteTable>(*m_http, m_config.maxBodyBytes))
    , m_metrics(std::make_unique<Metrics>())
    , m_streamLimits(std::make_unique<StreamLimits>(m_config.maxStreamsPerUser, m_config.maxStreams,
                                                    m_config.streamRetryAfter, m_metrics.get()))
    , m_promptLifecycle(new PromptLifecycle(this))
{
    setJsonBodyLimit(m_config.maxBodyBytes);
    // Every answered request (route replies, unrouted replies, stream opens) is counted by its
    // route template, never by its raw path (ids would explode the label set).
    m_finisher.setObserver([this](const RequestLog::Entry &request, int status) {
        const QString route = m_routes->templateForPath(request.url.path());
        const QByteArray routeLabel
            = route.isEmpty() ? QByteArrayLiteral("unmatched") : route.toUtf8();
        m_metrics->increment("sluice_http_requests_total",
                             { { "route", routeLabel }, { "status", QByteArray::number(status) } });
        m_metrics->observe("sluice_http_request_duration_seconds",
                           double(request.durationMs) / 1000.0);
    });
}

ServerApp::~ServerApp() = default;

bool ServerApp::start(bool listen, QString *error)
{
    QString storeError;
    const StoreLocation location { m_config.dataDir, m_config.databaseUrl,
                                   m_config.databasePassword };
    m_store = openStore(location, &storeError);
    if (!m_store) {
        *error = QStringLiteral("cannot open the database %1 (%2)")
                     .arg(describeStore(location), storeError);
        return false;
    }
    m_tokens = std::make_unique<TokenService>(m_config);
    m_authenticator
        = std::make_unique<Authenticator>(*m_tokens, *m_store, m_config.cookieMode, m_config.tls);
    m_refreshTokens = std::make_unique<RefreshTokenService>(*m_store, m_config.refreshTokenTtl);
    m_loginLimiter
        = std::make_unique<LoginRateLimiter>(m_config.loginMaxFailures, m_config.loginWindow);
    m_passwordHashes = std::make_unique<PasswordHashPool>(PasswordHashPool::Options {
        m_config.loginHashThreads, m_config.loginQueue, m_config.loginHashRate,
        ScryptParameters { m_config.scryptLogN } });
    // Streaming: bus → publisher (log first, then fan-out) → hub of open SSE streams.
#ifdef SLUICE_HAVE_REDIS
    RedisEventBus *redis = nullptr;
#endif
    if (m_config.redisUrl.isEmpty()) {
        m_bus = std::make_unique<InMemoryEventBus>();
    } else {
#ifdef SLUICE_HAVE_REDIS
        // Checked by the configuration already.
        const RedisLocation location = RedisLocation::fromUrl(m_config.redisUrl, nullptr).value();
        auto bus = std::make_unique<RedisEventBus>(location.host, location.port, m_metrics.get());
        redis = bus.get();
        m_bus = std::move(bus);
#else
        *error = QStringLiteral("this sluice-server was built without the Redis bus (--redis)");
        return false;
#endif
    }
    m_streams = std::make_unique<StreamHub>(
        *m_store, *m_bus,
        SseStream::Options { m_config.heartbeatInterval, m_config.streamBufferBytes,
                             m_config.sseRetry, m_config.streamStallTimeout });
#ifdef SLUICE_HAVE_REDIS
    // A logout on another instance: check this one's streams against the store now.
    if (redis)
        redis->setRevocationHandler([this] { m_streams->checkRevocations(); });
#endif
    m_streams->metrics().setMetrics(m_metrics.get());
    m_quotas = std::make_unique<Quotas>(m_config, m_metrics.get());
    m_publishLimiter = std::make_unique<PublishRateLimiter>(
        m_config.publishRate, m_config.publishBurst, 100000, m_metrics.get());
    m_publisher
        = std::make_unique<EventPublisher>(*m_store, *m_bus, m_streams->metrics(), m_quotas.get());
    m_context.reset(new ServerContext {
        m_config, *m_store, *m_tokens, *m_authenticator, *m_refreshTokens, *m_loginLimiter,
        *m_passwordHashes, m_cors, m_finisher, *m_routes, *m_metrics, *m_streamLimits,
        *m_promptLifecycle, *m_bus, *m_streams, *m_publisher, *m_quotas, *m_publishLimiter });
    if (m_config.retention.count() > 0) {
        m_retention = std::make_unique<RetentionJob>(*m_store, m_config.retention, m_metrics.get());
        m_retention->start();
    }
    if (!startDemoProducer(error))
        return false;

    registerHealthRoutes(*m_routes, *m_store, *m_bus);
    registerMetricsRoutes(*m_context);
    registerAuthRoutes(*m_http, *m_context);
    registerSessionRoutes(*m_context);
    registerPromptRoutes(*m_context);
    registerStreamRoutes(*m_context);
    registerEventRoutes(*m_context);

    HttpCompat::setAfterRequestHook(
        *m_http, [this](const QHttpServerRequest &request, QHttpServerResponse &response) {
            m_finisher.finish(request, response);
        });
    HttpCompat::setMissingHandler(*m_http, [this](const QHttpServerRequest &request) {
        QHttpServerResponse response = answerUnrouted(request);
        m_finisher.finish(request, response);
        return response;
    });

    if (!listen)
        return true;

    // Headers and framing on top of the body limit before the Listener cuts a request off.
    constexpr qint64 headerAllowance = 64 * 1024;
    Listener::Options listenerOptions;
    listenerOptions.maxConnections = m_config.maxConnections;
    listenerOptions.maxConnectionsPerAddress = m_config.maxConnectionsPerIp;
    listenerOptions.idleTimeout = m_config.idleTimeout;
    listenerOptions.requestTimeout = m_config.requestTimeout;
    listenerOptions.maxRequestBytes = m_config.maxBodyBytes + headerAllowance;
    listenerOptions.listenBacklog = m_config.listenBacklog;
    listenerOptions.descriptorBudget = FileLimits::descriptorBudget(FileLimits::openFileLimit());
    auto *listener = new Listener(listenerOptions);
    connect(listener, &Listener::acceptFailed, this,
            [this] { m_metrics->increment("sluice_accept_errors_total"); });
    if (!listener->startListening(m_config.host, m_config.port)) {
        *error = QStringLiteral("cannot listen on %1:%2 (%3)")
                     .arg(m_config.host.toString())
                     .arg(m_config.port)
                     .arg(listener->errorString());
        delete listener;
        return false;
    }
    listener->setParent(this);
    HttpCompat::bind(*m_http, listener);
    m_listener = listener;
    qCInfo(lcApp,
           "listening on %s:%u (connection cap %d, %d per address, backlog %d, idle timeout %lld "
           "ms, request timeout %lld ms, %lld CORS origins)",
           qPrintable(m_config.host.toString()), unsigned(listener->serverPort()),
           m_config.maxConnections, m_config.maxConnectionsPerIp, m_config.listenBacklog,
           static_cast<long long>(m_config.idleTimeout.count()),
           static_cast<long long>(m_config.requestTimeout.count()),
           static_cast<long long>(m_config.corsOrigins.size()));
    return true;
}

void ServerApp::stop()
{
    if (m_listener && m_listener->isListening()) {
        m_listener->close();
        qCInfo(lcApp, "stopped accepting connections");
    }
}

void ServerApp::shutdown(std::function<void()> done)
{
    stop();
    if (!m_streams) {
        done();
        return;
    }
    m_streams->drain(m_config.drainTimeout, std::move(done));
}

bool ServerApp::startDemoProducer(QString *error)
{
    if (!m_config.demo)
        return true;
    QList<DemoStep> transcript;
    if (!m_config.replayFile.isEmpty()) {
        QString loadError;
        auto loaded = DemoScript::loadTranscript(m_config.replayFile, &loadError);
        if (!loaded) {
            *error = QStringLiteral("--replay: ") + loadError;
            return false;
        }
        transcript = std::move(*loaded);
    }
    // Demo events take the same path as real ones: durable log first, then the bus.
    m_demoProducer = new DemoProducer(
        [this](const QString &promptId, EventType type, const QJsonValue &data) {
            return m_publisher->publish(promptId, type, data).id.has_value();
        },
        m_config.demoSpeed, std::move(transcript), m_metrics.get(), this);
    connect(m_promptLifecycle, &PromptLifecycle::promptCreated, m_demoProducer,
            &DemoProducer::start);
    return true;
}

quint16 ServerApp::port() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

QList<RouteInfo> ServerApp::routes() const
{
    return m_routes->routes();
}

QHttpServerResponse ServerApp::answerUnrouted(const QHttpServerRequest &request) const
{
    if (CorsPolicy::isPreflight(request))
        return m_cors.preflightResponse(request);

    const QList<QHttpServerRequest::Method> methods
        = m_routes->methodsForPath(request.url().path());
    if (methods.isEmpty()) {
        return jsonError(QHttpServerResponse::StatusCode::NotFound, ErrorCode::notFound,
                         QStringLiteral("no such resource: %1").arg(request.url().path()));
    }
    QByteArrayList names;
    for (const auto method : methods)
        names.append(RequestLog::methodName(method));
    names.append(QByteArrayLiteral("OPTIONS"));
    const QByteArray allow = names.join(", ");
    if (request.method() == QHttpServerRequest::Method::Options) {
        QHttpServerResponse response(QHttpServerResponse::StatusCode::NoContent);
        response.setHeader(QByteArrayLiteral("Allow"), allow);
        return response;
    }
    QHttpServerResponse response
        = jsonError(QHttpServerResponse::StatusCode::MethodNotAllowed, ErrorCode::methodNotAllowed,
                    QStringLiteral("method %1 is not allowed on %2 (allowed: %3)")
                        .arg(QString::fromLatin1(RequestLog::methodName(request.method())),
                             request.url().path(), QString::fromLatin1(allow)));
    response.setHeader(QByteArrayLiteral("Allow"), allow);
    return response;
}

} // namespace Sluice::Server
