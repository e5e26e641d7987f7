// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// ServerConfig: the validated configuration sluice-server runs with. Produced by
// parseServerConfig() (flags > environment > defaults) and completed by loadOrCreateKeys(); every
// other room only reads it.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtNetwork/QHostAddress>

#include <chrono>

namespace Sluice::Server {

enum class LogLevel { Debug, Info, Warning, Error };

struct ServerConfig
{
    QHostAddress host { QHostAddress::LocalHost };
    quint16 port = 8080;
    QString dataDir;
    // --database postgresql://user@host:port/db: the shared PostgreSQL store (several instances);
    // empty: SQLite in dataDir. The password comes from --database-password-file or
    // SLUICE_DATABASE_PASSWORD, never from the URL. Never logged.
    QString databaseUrl;
    QString databasePasswordFile;
    QByteArray databasePassword;
    // --redis redis://host:port: the bus between instances (live events, revocations); empty:
    // in-process only (one instance).
    QString redisUrl;
    // Exact origins ("scheme://host[:port]", no path, no trailing slash); credentials always on.
    QStringList corsOrigins;

    std::chrono::seconds accessTokenTtl { 900 };
    std::chrono::seconds refreshTokenTtl { 30 * 24 * 3600 };
    std::chrono::seconds streamTokenTtl { 120 };
    std::chrono::seconds tokenLeeway { 30 };

    // Raw key bytes (>= 32 bytes each, different). Never logged.
    QByteArray accessKey;
    QByteArray streamKey;
    QString accessKeyFile; // where accessKey came from (empty when from the environment)
    QString streamKeyFile;

    bool production = false;
    // Missing keys are generated into the data dir in dev mode always, in production only with
    // this (--generate-keys): a packaged single-host service has nowhere else to get them from.
    bool generateKeys = false;
    bool cookieMode = false;
    bool tls
        = false; // served over HTTPS (directly or behind a TLS-terminating proxy): Secure cookies
    LogLevel logLevel = LogLevel::Info;
    bool demo = false;

    qint64 maxBodyBytes { 1 << 20 };
    int maxConnections = 1024;
    std::chrono::milliseconds idleTimeout { 60'000 };
    // Listener: connections per client address (IPv6 per /64), deadline for a complete request
    // head, listen queue length (capped by net.core.somaxconn).
    int maxConnectionsPerIp = 64;
    std::chrono::milliseconds requestTimeout { 10'000 };
    int listenBacklog = 4096;

    // Streams: heartbeat comment interval, per-stream unsent-output limit (a stream
    // over it is closed), the `retry:` hint sent at connect, how long SIGTERM waits for streams.
    std::chrono::milliseconds heartbeatInterval { 15000 };
    qint64 streamBufferBytes { 1 << 20 };
    std::chrono::milliseconds streamStallTimeout { 0 }; // 0: two heartbeats, at least 5 s
    std::chrono::milliseconds sseRetry { 2000 };
    std::chrono::milliseconds drainTimeout { 3000 };

    int loginMaxFailures = 5;
    std::chrono::seconds loginWindow { 300 };
    // Password hashing (auth/passwordhashpool.h): scrypt N = 2^scryptLogN for new and upgraded
    // hashes (OWASP's 17 unless tests lower it; production refuses less). Logins hash on
    // `loginHashThreads` workers with at most `loginQueue` waiting, within `loginHashRate` hashes
    // per second for the whole server; beyond either → 503 LOGIN_BUSY.
    int scryptLogN = 17;
    int loginHashThreads = 2;
    int loginQueue = 32;
    int loginHashRate = 10;

    // --- demo producer, producer key and stream caps ---
    double demoSpeed = 1.0; // pacing multiplier of the demo producer: 2 = twice as fast
    QString replayFile; // --replay FILE.jsonl: demo prompts play this transcript (implies demo)
    QByteArray producerKey; // SLUICE_PRODUCER_KEY or --producer-key-file; never logged
    QString producerKeyFile;
    int maxStreamsPerUser = 32; // over it → 429
    int maxStreams = 1000; // over it → 503
    // A stream opened with a stream token ends after this long (the client reconnects with a new
    // one); Bearer and cookie streams end at their access token's expiry.
    std::chrono::seconds streamMaxLifetime { 3600 };

    // GET /metrics needs `Authorization: Bearer <this>` when set (--metrics-token-file or
    // SLUICE_METRICS_TOKEN). Never logged.
    QString metricsTokenFile;
    QByteArray metricsToken;
    std::chrono::seconds streamRetryAfter { 5 }; // Retry-After of a refused stream

    // --- abuse limits (see ops/quotas.h, ops/publishratelimiter.h, ops/retentionjob.h) ---
    // Per-user and per-prompt quotas, 0 = unlimited; over one → 403 QUOTA_EXCEEDED.
    qint64 maxSessionsPerUser = 1000;
    qint64 maxPromptsPerUser = 10000;
    qint64 maxEventsPerPrompt = 100000;
    qint64 maxBytesPerPrompt = qint64(256) << 20;
    // Events a producer may POST to one prompt: `publishRate` per second on average, bursts of
    // `publishBurst`; over it → 429 RATE_LIMITED with Retry-After. Rate 0 = no limit.
    int publishRate = 200;
    int publishBurst = 2000;
    // Finished (done) prompts are deleted this long after they finished; 0 = kept forever.
    std::chrono::milliseconds retention { 0 };
};

} // namespace Sluice::Server
