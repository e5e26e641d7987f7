// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "config/configparser.h"

#include "auth/passwordhasher.h"
#include "bus/redislocation.h"
#include "config/configvalues.h"
#include "store/postgreslocation.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtCore/QStandardPaths>

namespace Sluice::Server {

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

struct OptionSpec
{
    QString name;
    QStringList envNames; // first one set wins
    QString valueName; // empty: a flag without value
    QString description;
};

QList<OptionSpec> optionSpecs()
{
    using S = QLatin1String;
    return {
        { S("host"),
          { S("SLUICE_HOST") },
          S("address"),
          S("Address to listen on (default 127.0.0.1).") },
        { S("port"),
          { S("SLUICE_PORT") },
          S("port"),
          S("TCP port (default 8080; 0 picks a free port).") },
        { S("data-dir"),
          { S("SLUICE_DATA_DIR") },
          S("dir"),
          S("Directory for the database and generated keys (default ~/.local/share/sluice).") },
        { S("database"),
          { S("SLUICE_DATABASE") },
          S("url"),
          S("postgresql://user@host:port/database: keep users, tokens, sessions and event logs "
            "in PostgreSQL, shared by several instances (default: SQLite in the data "
            "directory). The password comes from --database-password-file or "
            "SLUICE_DATABASE_PASSWORD, never from the URL.") },
        { S("redis"),
          { S("SLUICE_REDIS") },
          S("url"),
          S("redis://host:port: the bus that carries live events and revocations between "
            "instances sharing a --database (default: none, one instance).") },
        { S("database-password-file"),
          { S("SLUICE_DATABASE_PASSWORD_FILE") },
          S("file"),
          S("File holding the --database user's password (mode 0600).") },
        { S("cors-origins"),
          { S("SLUICE_CORS_ORIGINS"), S("CORS_ORIGIN") },
          S("origins"),
          S("Comma-separated exact origins allowed to call the API with credentials, e.g. "
            "https://app.example.com,http://localhost:5173. \"*\" is refused.") },
        { S("access-token-ttl"),
          { S("SLUICE_ACCESS_TOKEN_TTL") },
          S("duration"),
          S("Access token lifetime, 10s..24h (default 15m; under a minute only makes sense in "
            "tests). Durations: 90, 90s, 15m, 2h, 30d.") },
        { S("refresh-token-ttl"),
          { S("SLUICE_REFRESH_TOKEN_TTL") },
          S("duration"),
          S("Refresh token lifetime, 1h..365d (default 30d).") },
        { S("stream-token-ttl"),
          { S("SLUICE_STREAM_TOKEN_TTL") },
          S("duration"),
          S("Stream token lifetime, 10s..300s (default 120s).") },
        { S("token-leeway"),
          { S("SLUICE_TOKEN_LEEWAY") },
          S("duration"),
          S("Clock leeway for exp/nbf/iat checks, 0..300s (default 30s).") },
        { S("access-key-file"),
          { S("SLUICE_ACCESS_KEY_FILE") },
          S("file"),
          S("File holding the access-token signing key (>= 32 bytes). SLUICE_ACCESS_KEY may "
            "hold the key itself. Dev mode generates <data-dir>/access.key when unset.") },
        { S("stream-key-file"),
          { S("SLUICE_STREAM_KEY_FILE") },
          S("file"),
          S("File holding the stream-token signing key (>= 32 bytes, different from the access "
            "key). SLUICE_STREAM_KEY may hold the key itself. Dev mode generates "
            "<data-dir>/stream.key when unset.") },
        { S("production"),
          {},
          {},
          S("Production mode (also SLUICE_ENV=production): refuse to start without configured "
            "keys instead of generating them (unless --generate-keys).") },
        { S("generate-keys"),
          { S("SLUICE_GENERATE_KEYS") },
          {},
          S("Also in production mode, generate missing signing keys once into "
            "<data-dir>/access.key and stream.key (mode 0600) and reuse them afterwards: for a "
            "single server whose keys never leave its machine (the Debian package's service).") },
        { S("cookie-mode"),
          { S("SLUICE_COOKIE_MODE") },
          S("on|off"),
          S("Login also sets an HttpOnly SameSite=Lax access-token cookie, accepted only on the "
            "stream GET (default off).") },
        { S("behind-https"),
          { S("SLUICE_BEHIND_HTTPS") },
          {},
          S("Clients reach the server over HTTPS (TLS-terminating proxy): cookies get Secure.") },
        { S("log-level"),
          { S("SLUICE_LOG_LEVEL") },
          S("level"),
          S("debug, info, warning or error (default info).") },
        { S("demo"),
          { S("SLUICE_DEMO") },
          {},
          S("Ensure a demo user exists and print its credentials at startup.") },
        { S("max-body-bytes"),
          { S("SLUICE_MAX_BODY_BYTES") },
          S("bytes"),
          S("Largest accepted request body, 1024..67108864 (default 1048576); larger -> 413.") },
        { S("max-connections"),
          { S("SLUICE_MAX_CONNECTIONS") },
          S("count"),
          S("Open connection cap, 1..100000 (default 1024); extra connections get 503. Kept "
            "below the open-file limit: the soft RLIMIT_NOFILE is raised to the hard limit at "
            "startup and a larger cap is lowered to that limit minus 64 (with a warning).") },
        { S("max-connections-per-ip"),
          { S("SLUICE_MAX_CONNECTIONS_PER_IP") },
          S("count"),
          S("Open connections per client address (IPv6: per /64), 1..100000 (default 64); "
            "extra connections get 503.") },
        { S("idle-timeout"),
          { S("SLUICE_IDLE_TIMEOUT") },
          S("duration"),
          S("Close connections idle for this long, 100ms..1h (default 60s).") },
        { S("request-timeout"),
          { S("SLUICE_REQUEST_TIMEOUT") },
          S("duration"),
          S("A connection must send a complete request head within this time after it opens, "
            "or after the first byte of its next request, 100ms..10m (default 10s); slower "
            "ones (e.g. one byte at a time) are closed. A peer that does not read what the "
            "server still has to send when closing is cut off after 5s.") },
        { S("listen-backlog"),
          { S("SLUICE_LISTEN_BACKLOG") },
          S("count"),
          S("Queue of connections waiting to be accepted, 16..65535 (default 4096; the kernel "
            "caps it at net.core.somaxconn). Absorbs bursts of reconnecting clients.") },
        { S("heartbeat-interval"),
          { S("SLUICE_HEARTBEAT_INTERVAL") },
          S("duration"),
          S("SSE heartbeat comment interval, 100ms..1h (default 15s).") },
        { S("stream-buffer-bytes"),
          { S("SLUICE_STREAM_BUFFER_BYTES") },
          S("bytes"),
          S("How much unsent output a stream may queue before it waits for the client to read, "
            "4096..268435456 (default 1048576). One event always goes out whole, whatever its "
            "size.") },
        { S("stream-stall-timeout"),
          { S("SLUICE_STREAM_STALL_TIMEOUT") },
          S("duration"),
          S("A stream whose client takes no byte of its waiting output for this long is closed "
            "(it resumes by Last-Event-ID), 0 or 1s..10m (default 0: two heartbeat intervals, "
            "at least 5s).") },
        { S("sse-retry"),
          { S("SLUICE_SSE_RETRY") },
          S("duration"),
          S("Reconnection delay hint (retry:) sent to stream clients, 100ms..10m (default 2s).") },
        { S("drain-timeout"),
          { S("SLUICE_DRAIN_TIMEOUT") },
          S("duration"),
          S("On SIGTERM/SIGINT, how long open streams get to flush their final comment, "
            "0..60s (default 3s).") },
        { S("login-max-failures"),
          { S("SLUICE_LOGIN_MAX_FAILURES") },
          S("count"),
          S("Failed logins per user and per client address within the window before 429, "
            "1..1000 (default 5).") },
        { S("login-window"),
          { S("SLUICE_LOGIN_WINDOW") },
          S("duration"),
          S("Login rate-limit window, 1s..24h (default 5m).") },
        { S("login-hash-threads"),
          { S("SLUICE_LOGIN_HASH_THREADS") },
          S("count"),
          S("Threads that check login passwords, off the event loop, 1..64 (default 2; each "
            "holds 128 MiB while it hashes).") },
        { S("login-queue"),
          { S("SLUICE_LOGIN_QUEUE") },
          S("count"),
          S("Logins that may wait for a hashing thread, 0..10000 (default 32); more -> 503 "
            "LOGIN_BUSY with Retry-After.") },
        { S("login-hash-rate"),
          { S("SLUICE_LOGIN_HASH_RATE") },
          S("count"),
          S("Password hashes per second for the whole server, bursts of as many, 1..10000 "
            "(default 10); more -> 503 LOGIN_BUSY with Retry-After.") },
        { S("scrypt-log-n"),
          { S("SLUICE_SCRYPT_LOG_N") },
          S("n"),
          S("scrypt cost N = 2^n for new passwords and for hashes upgraded at login, 10..20 "
            "(default 17, OWASP's minimum; production refuses less). Lower values are for "
            "tests and development machines.") },
        { S("demo-speed"),
          { S("SLUICE_DEMO_SPEED") },
          S("factor"),
          S("Pacing of the demo producer, 0.1..1000 (default 1 = like a real agent; 10 = ten "
            "times faster).") },
        { S("replay"),
          { S("SLUICE_REPLAY") },
          S("file.jsonl"),
          S("Demo prompts play this recorded transcript ({\"delay_ms\", \"type\", \"data\"} "
            "per line) instead of the built-in simulated run. Implies --demo.") },
        { S("producer-key-file"),
          { S("SLUICE_PRODUCER_KEY_FILE") },
          S("file"),
          S("File holding the producer key (>= 16 bytes) that external producers send in "
            "X-Sluice-Producer-Key to POST events. SLUICE_PRODUCER_KEY may hold the key itself. "
            "Unset: only the prompt's owner (Bearer) can post events.") },
        { S("max-streams-per-user"),
          { S("SLUICE_MAX_STREAMS_PER_USER") },
          S("count"),
          S("Open SSE streams per user, 1..100000 (default 32); more -> 429 with Retry-After.") },
        { S("max-streams"),
          { S("SLUICE_MAX_STREAMS") },
          S("count"),
          S("Open SSE streams in total, 1..100000 (default 1000); more -> 503 with Retry-After.") },
        { S("stream-max-lifetime"),
          { S("SLUICE_STREAM_MAX_LIFETIME") },
          S("duration"),
          S("A stream opened with a stream token ends after this long, 5s..24h (default 1h); "
            "the client reconnects with a new token and loses nothing. Bearer and cookie streams "
            "end when their access token expires.") },
        { S("metrics-token-file"),
          { S("SLUICE_METRICS_TOKEN_FILE") },
          S("file"),
          S("File holding a token (>= 16 bytes) that GET /metrics then requires as "
            "`Authorization: Bearer <token>`. SLUICE_METRICS_TOKEN may hold the token itself. "
            "Unset: /metrics is open (restrict it at the proxy).") },
        { S("max-sessions-per-user"),
          { S("SLUICE_MAX_SESSIONS_PER_USER") },
          S("count"),
          S("Sessions one user may own, 0..10000000 (default 1000; 0 = unlimited); more -> 403 "
            "QUOTA_EXCEEDED.") },
        { S("max-prompts-per-user"),
          { S("SLUICE_MAX_PROMPTS_PER_USER") },
          S("count"),
          S("Prompts one user may own over all their sessions, 0..100000000 (default 10000; 0 = "
            "unlimited); more -> 403 QUOTA_EXCEEDED. Prompts deleted by --retention no longer "
            "count.") },
        { S("max-events-per-prompt"),
          { S("SLUICE_MAX_EVENTS_PER_PROMPT") },
          S("count"),
          S("Events in one prompt's log, 0..1000000000 (default 100000; 0 = unlimited); more -> "
            "403 QUOTA_EXCEEDED. The closing done event is always accepted.") },
        { S("max-bytes-per-prompt"),
          { S("SLUICE_MAX_BYTES_PER_PROMPT") },
          S("bytes"),
          S("Event data bytes in one prompt's log, 0..1099511627776 (default 268435456 = 256 MiB; "
            "0 = unlimited); more -> 403 QUOTA_EXCEEDED. The closing done event is always "
            "accepted.") },
        { S("publish-rate"),
          { S("SLUICE_PUBLISH_RATE") },
          S("events/s"),
          S("Events producers may POST to one prompt per second on average, 0..1000000 (default "
            "200; 0 = no limit); faster -> 429 RATE_LIMITED with Retry-After.") },
        { S("publish-burst"),
          { S("SLUICE_PUBLISH_BURST") },
          S("events"),
          S("Events a producer may POST to one prompt at once before --publish-rate applies, "
            "1..1000000 (default 2000).") },
        { S("retention"),
          { S("SLUICE_RETENTION") },
          S("duration"),
          S("Delete finished (done) prompts and their event logs this long after they finished, "
            "1m..3650d or off (default off: keep forever). Checked at startup and hourly; a "
            "deleted prompt answers 404.") },
        { S("print-routes"), {}, {}, S("Print every registered route (METHOD path) and exit.") },
    };
}

struct Failure
{
    QString message;
};

class Reader
{
public:
    Reader(const QCommandLineParser &parser, const QProcessEnvironment &env,
           const QList<OptionSpec> &specs)
        : m_parser(parser)
        , m_env(env)
        , m_specs(specs)
    { }

    // The raw value and where it came from ("--name" or the variable name); nullopt when unset.
    std::optional<std::pair<QString, QString>> raw(const QString &name) const
    {
        if (m_parser.isSet(name)) {
            const OptionSpec *spec = find(name);
            const QString value
                = spec && spec->valueName.isEmpty() ? QStringLiteral("true") : m_parser.value(name);
            return std::pair { value, QStringLiteral("--") + name };
        }
        if (const OptionSpec *spec = find(name)) {
            for (const QString &envName : spec->envNames) {
                if (m_env.contains(envName) && !m_env.value(envName).isEmpty())
                    return std::pair { m_env.value(envName), envName };
            }
        }
        return std::nullopt;
    }

    template<typename T, typename Parse> T get(const QString &name, T fallback, Parse parse) const
    {
        const auto value = raw(name);
        if (!value)
            return fallback;
        QString error;
        const std::optional<T> parsed = parse(value->first, &error);
        if (!parsed)
            throw Failure { value->second + u": " + error };
        return *parsed;
    }

    seconds secondsIn(const QString &name, seconds fallback, seconds min, seconds max) const
    {
        return duration_cast<seconds>(millisIn(name, fallback, min, max));
    }

    milliseconds millisIn(const QString &name, milliseconds fallback, milliseconds min,
                          milliseconds max) const
    {
        return get<milliseconds>(name, fallback, [&](const QString &text, QString *error) {
            auto d = ConfigValues::parseDuration(text, error);
            if (d && (*d < min || *d > max)) {
                *error = QStringLiteral("%1 is out of range [%2s, %3s]")
                             .arg(text)
                             .arg(double(min.count()) / 1000)
                             .arg(double(max.count()) / 1000);
                return std::optional<milliseconds>();
            }
            return d;
        });
    }

    qint64 integerIn(const QString &name, qint64 fallback, qint64 min, qint64 max) const
    {
        return get<qint64>(name, fallback, [&](const QString &text, QString *error) {
            return ConfigValues::parseInteger(text, min, max, error);
        });
    }

    bool boolean(const QString &name, bool fallback) const
    {
        return get<bool>(name, fallback, [](const QString &text, QString *error) {
            return ConfigValues::parseBool(text, error);
        });
    }

private:
    const OptionSpec *find(const QString &name) const
    {
        for (const auto &spec : m_specs) {
            if (spec.name == name)
                return &spec;
        }
        return nullptr;
    }

    const QCommandLineParser &m_parser;
    const QProcessEnvironment &m_env;
    const QList<OptionSpec> &m_specs;
};

QString defaultDataDir()
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty())
        base = QDir::homePath() + u"/.local/share";
    return base + u"/sluice";
}

ServerConfig readConfig(const Reader &r, ConfigParseResult &result, const QProcessEnvironment &env)
{
    ServerConfig c;

    c.host = r.get<QHostAddress>(
        QStringLiteral("host"), c.host, [](const QString &text, QString *error) {
            QHostAddress address;
            if (text.trimmed() == u"localhost")
                return std::optional(QHostAddress(QHostAddress::LocalHost));
            if (!address.setAddress(text.trimmed())) {
                *error = QStringLiteral("\"%1\" is not an IP address").arg(text);
                return std::optional<QHostAddress>();
            }
            return std::optional(address);
        });
    c.port = quint16(r.integerIn(QStringLiteral("port"), c.port, 0, 65535));
    c.dataDir = r.get<QString>(
        QStringLiteral("data-dir"), defaultDataDir(), [](const QString &text, QString *) {
            return std::optional(QDir::cleanPath(QDir::current().absoluteFilePath(text)));
        });
    c.corsOrigins = r.get<QStringList>(QStringLiteral("cors-origins"), {},
                                       [](const QString &text, QString *error) {
                                           return ConfigValues::parseOriginList(text, error);
                                       });

    c.accessTokenTtl = r.secondsIn(QStringLiteral("access-token-ttl"), c.accessTokenTtl, 10s, 24h);
    c.refreshTokenTtl
        = r.secondsIn(QStringLiteral("refresh-token-ttl"), c.refreshTokenTtl, 1h, hours(365 * 24));
    c.streamTokenTtl = r.secondsIn(QStringLiteral("stream-token-ttl"), c.streamTokenTtl, 10s, 300s);
    c.tokenLeeway = r.secondsIn(QStringLiteral("token-leeway"), c.tokenLeeway, 0s, 300s);
    if (c.refreshTokenTtl <= c.accessTokenTtl)
        throw Failure { QStringLiteral(
            "refresh token TTL must be longer than the access token TTL") };

    const auto fileOption = [&](const QString &name) {
        return r.get<QString>(name, {}, [](const QString &text, QString *) {
            return std::optional(QDir::current().absoluteFilePath(text));
        });
    };
    c.accessKeyFile = fileOption(QStringLiteral("access-key-file"));
    c.streamKeyFile = fileOption(QStringLiteral("stream-key-file"));
    result.accessKeyEnv = env.value(QStringLiteral("SLUICE_ACCESS_KEY"));
    result.streamKeyEnv = env.value(QStringLiteral("SLUICE_STREAM_KEY"));

    c.production = r.boolean(QStringLiteral("production"), false);
    if (!c.production && env.contains(QStringLiteral("SLUICE_ENV"))) {
        const QString mode = env.value(QStringLiteral("SLUICE_ENV")).trimmed().toLower();
        if (mode == u"production")
            c.production = true;
        else if (mode != u"development" && mode != u"dev" && !mode.isEmpty())
            throw Failure { QStringLiteral(
                                "SLUICE_ENV: \"%1\" is not a mode (use production or development)")
                                .arg(mode) };
    }
    c.generateKeys = r.boolean(QStringLiteral("generate-keys"), false);
    c.cookieMode = r.boolean(QStringLiteral("cookie-mode"), false);
    c.tls = r.boolean(QStringLiteral("behind-https"), false);
    c.logLevel = r.get<LogLevel>(QStringLiteral("log-level"), c.logLevel,
                                 [](const QString &text, QString *error) {
                                     const QString t = text.trimmed().toLower();
                                     if (t == u"debug")
                                         return std::optional(LogLevel::Debug);
                                     if (t == u"info")
                                         return std::optional(LogLevel::Info);
                                     if (t == u"warning" || t == u"warn")
                                         return std::optional(LogLevel::Warning);
                                     if (t == u"error")
                                         return std::optional(LogLevel::Error);
                                     *error = QStringLiteral("\"%1\" is not a log level (use "
                                                             "debug, info, warning or error)")
                                                  .arg(text);
                                     return std::optional<LogLevel>();
                                 });
    c.demo = r.boolean(QStringLiteral("demo"), false);
    c.maxBodyBytes
        = r.integerIn(QStringLiteral("max-body-bytes"), c.maxBodyBytes, 1024, 64 * 1024 * 1024);
    c.maxConnections
        = int(r.integerIn(QStringLiteral("max-connections"), c.maxConnections, 1, 100000));
    c.idleTimeout = r.millisIn(QStringLiteral("idle-timeout"), c.idleTimeout, 100ms, 1h);
    c.maxConnectionsPerIp = int(
        r.integerIn(QStringLiteral("max-connections-per-ip"), c.maxConnectionsPerIp, 1, 100000));
    c.requestTimeout
        = r.millisIn(QStringLiteral("request-timeout"), c.requestTimeout, 100ms, 10min);
    c.listenBacklog
        = int(r.integerIn(QStringLiteral("listen-backlog"), c.listenBacklog, 16, 65535));
    c.heartbeatInterval
        = r.millisIn(QStringLiteral("heartbeat-interval"), c.heartbeatInterval, 100ms, 1h);
    c.streamBufferBytes = r.integerIn(QStringLiteral("stream-buffer-bytes"), c.streamBufferBytes,
                                      4096, 256 * 1024 * 1024);
    c.streamStallTimeout
        = r.millisIn(QStringLiteral("stream-stall-timeout"), c.streamStallTimeout, 0ms, 10min);
    if (c.streamStallTimeout > 0ms && c.streamStallTimeout < 1s)
        throw Failure { QStringLiteral(
            "--stream-stall-timeout must be 0 (automatic) or at least 1s") };
    c.sseRetry = r.millisIn(QStringLiteral("sse-retry"), c.sseRetry, 100ms, 10min);
    c.drainTimeout = r.millisIn(QStringLiteral("drain-timeout"), c.drainTimeout, 0ms, 60s);
    c.loginMaxFailures
        = int(r.integerIn(QStringLiteral("login-max-failures"), c.loginMaxFailures, 1, 1000));
    c.loginWindow = r.secondsIn(QStringLiteral("login-window"), c.loginWindow, 1s, 24h);
    c.loginHashThreads
        = int(r.integerIn(QStringLiteral("login-hash-threads"), c.loginHashThreads, 1, 64));
    c.loginQueue = int(r.integerIn(QStringLiteral("login-queue"), c.loginQueue, 0, 10000));
    c.loginHashRate
        = int(r.integerIn(QStringLiteral("login-hash-rate"), c.loginHashRate, 1, 10000));
    c.scryptLogN = int(r.integerIn(QStringLiteral("scrypt-log-n"), c.scryptLogN,
                                   ScryptParameters::minimumLogN, ScryptParameters::maximumLogN));

    // Demo producer, producer key, stream caps
    c.demoSpeed = r.get<double>(QStringLiteral("demo-speed"), c.demoSpeed,
                                [](const QString &text, QString *error) {
                                    bool ok = false;
                                    const double v = text.trimmed().toDouble(&ok);
                                    if (!ok || !(v >= 0.1 && v <= 1000)) {
                                        *error = QStringLiteral("\"%1\" is not a speed in "
                                                                "[0.1, 1000]")
                                                     .arg(text);
                                        return std::optional<double>();
                                    }
                                    return std::optional(v);
                                });
    c.replayFile = fileOption(QStringLiteral("replay"));
    if (!c.replayFile.isEmpty())
        c.demo = true;
    c.producerKeyFile = fileOption(QStringLiteral("producer-key-file"));
    result.producerKeyEnv = env.value(QStringLiteral("SLUICE_PRODUCER_KEY")).toUtf8();
    c.maxStreamsPerUser
        = int(r.integerIn(QStringLiteral("max-streams-per-user"), c.maxStreamsPerUser, 1, 100000));
    c.maxStreams = int(r.integerIn(QStringLiteral("max-streams"), c.maxStreams, 1, 100000));
    c.streamMaxLifetime
        = r.secondsIn(QStringLiteral("stream-max-lifetime"), c.streamMaxLifetime, 5s, 24h);
    c.metricsTokenFile = fileOption(QStringLiteral("metrics-token-file"));
    c.databaseUrl
        = r.get<QString>(QStringLiteral("database"), {}, [](const QString &text, QString *error) {
              if (!PostgresLocation::fromUrl(text, error))
                  return std::optional<QString>();
              return std::optional(text);
          });
    c.databasePasswordFile = fileOption(QStringLiteral("database-password-file"));
    c.redisUrl
        = r.get<QString>(QStringLiteral("redis"), {}, [](const QString &text, QString *error) {
              if (!RedisLocation::fromUrl(text, error))
                  return std::optional<QString>();
              return std::optional(text);
          });
    result.databasePasswordEnv = env.value(QStringLiteral("SLUICE_DATABASE_PASSWORD")).toUtf8();
    result.metricsTokenEnv = env.value(QStringLiteral("SLUICE_METRICS_TOKEN")).toUtf8();

    // Abuse limits
    c.maxSessionsPerUser
        = r.integerIn(QStringLiteral("max-sessions-per-user"), c.maxSessionsPerUser, 0, 10'000'000);
    c.maxPromptsPerUser
        = r.integerIn(QStringLiteral("max-prompts-per-user"), c.maxPromptsPerUser, 0, 100'000'000);
    c.maxEventsPerPrompt = r.integerIn(QStringLiteral("max-events-per-prompt"),
                                       c.maxEventsPerPrompt, 0, 1'000'000'000);
    c.maxBytesPerPrompt = r.integerIn(QStringLiteral("max-bytes-per-prompt"), c.maxBytesPerPrompt,
                                      0, qint64(1) << 40);
    c.publishRate = int(r.integerIn(QStringLiteral("publish-rate"), c.publishRate, 0, 1'000'000));
    c.publishBurst
        = int(r.integerIn(QStringLiteral("publish-burst"), c.publishBurst, 1, 1'000'000));
    c.retention = r.get<milliseconds>(
        QStringLiteral("retention"), c.retention, [](const QString &text, QString *error) {
            const QString t = text.trimmed().toLower();
            if (t == u"off" || t == u"0")
                return std::optional(milliseconds(0));
            auto d = ConfigValues::parseDuration(text, error);
            if (d && (*d < 1min || *d > hours(3650 * 24))) {
                *error = QStringLiteral("%1 is out of range [1m, 3650d] (or off)").arg(text);
                return std::optional<milliseconds>();
            }
            return d;
        });

    // Combinations that cannot work.
    if (c.cookieMode && c.production && !c.tls)
        throw Failure { QStringLiteral(
            "cookie mode in production needs HTTPS (--behind-https): without it the access "
            "cookie could not be Secure") };
    if (c.heartbeatInterval >= c.idleTimeout)
        throw Failure { QStringLiteral("--heartbeat-interval (%1 ms) must be shorter than "
                                       "--idle-timeout (%2 ms), or idle streams are cut")
                            .arg(c.heartbeatInterval.count())
                            .arg(c.idleTimeout.count()) };
    if (c.production && c.scryptLogN < ScryptParameters::owaspLogN)
        throw Failure { QStringLiteral("--scrypt-log-n %1 is below OWASP's minimum (%2): "
                                       "production refuses weaker password hashes")
                            .arg(c.scryptLogN)
                            .arg(ScryptParameters::owaspLogN) };
    return c;
}

} // namespace

ConfigParseResult parseServerConfig(const QStringList &arguments, const QProcessEnvironment &env)
{
    ConfigParseResult result;
    const QList<OptionSpec> specs = optionSpecs();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "sluice-server: Server-Sent Events for authenticated clients.\n"
        "Every option can also be set through the environment variable named in brackets; "
        "command-line flags win over the environment.\n"
        "Account management: sluice-server user add|list|passwd|remove ... (see "
        "`sluice-server user --help`)."));
    const QCommandLineOption helpOption({ QStringLiteral("h"), QStringLiteral("help") },
                                        QStringLiteral("Show this help and exit."));
    const QCommandLineOption versionOption({ QStringLiteral("v"), QStringLiteral("version") },
                                           QStringLiteral("Show the version and exit."));
    parser.addOption(helpOption);
    parser.addOption(versionOption);
    for (const OptionSpec &spec : specs) {
        QString description = spec.description;
        if (!spec.envNames.isEmpty())
            description += u" [" + spec.envNames.join(QStringLiteral(", ")) + u']';
        if (spec.name == u"production")
            description += QStringLiteral(" [SLUICE_ENV]");
        parser.addOption(spec.valueName.isEmpty()
                             ? QCommandLineOption(spec.name, description)
                             : QCommandLineOption(spec.name, description, spec.valueName));
    }

    if (!parser.parse(arguments)) {
        result.action = ConfigParseResult::Action::ExitFailure;
        result.output = QStringLiteral("sluice-server: invalid command line: ") + parser.errorText()
            + QStringLiteral(" (see --help)");
        return result;
    }
    if (parser.isSet(helpOption)) {
        result.action = ConfigParseResult::Action::ExitSuccess;
        result.output = parser.helpText();
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = ConfigParseResult::Action::ExitSuccess;
        result.output = QStringLiteral("sluice-server " SLUICE_SERVER_VERSION "\n");
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        result.action = ConfigParseResult::Action::ExitFailure;
        result.output = QStringLiteral("sluice-server: unexpected argument \"%1\" (see --help)")
                            .arg(parser.positionalArguments().constFirst());
        return result;
    }

    try {
        const Reader reader(parser, env, specs);
        result.config = readConfig(reader, result, env);
        result.printRoutes = parser.isSet(QStringLiteral("print-routes"));
    } catch (const Failure &failure) {
        result.action = ConfigParseResult::Action::ExitFailure;
        result.output = QStringLiteral("sluice-server: invalid configuration: ") + failure.message;
    }
    return result;
}

} // namespace Sluice::Server
