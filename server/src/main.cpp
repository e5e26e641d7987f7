// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-server entry point: `sluice-server [options]` runs the server, `sluice-server user ...`
// manages accounts.
#include "app/demouser.h"
#include "app/logconfiguration.h"
#include "app/serverapp.h"
#include "cli/usercommand.h"
#include "common/signalwatcher.h"
#include "config/configparser.h"
#include "config/keyfiles.h"
#include "config/secrets.h"
#include "http/epolleventdispatcher.h"
#include "http/filelimits.h"
#include "http/requestlog.h"
#include "logging.h"
#include "ops/producerkey.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QProcessEnvironment>

#include <csignal>
#include <cstdio>

using namespace Sluice::Server;

namespace {

int fail(const QString &line, int code)
{
    std::fprintf(stderr, "%s\n", qPrintable(line));
    std::fflush(stderr);
    return code;
}

void printLine(const QString &line)
{
    std::fprintf(stdout, "%s\n", line.toLocal8Bit().constData());
    std::fflush(stdout);
}

QString urlHost(const QHostAddress &address)
{
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
        return QStringLiteral("127.0.0.1");
    if (address == QHostAddress::AnyIPv6)
        return QStringLiteral("[::1]");
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return u'[' + address.toString() + u']';
    return address.toString();
}

// Every connection is a descriptor: use the hard RLIMIT_NOFILE, keep --max-connections within it.
void applyOpenFileLimit(ServerConfig &config)
{
    const FileLimits::Raise limits = FileLimits::raiseToHardLimit();
    if (!limits.error.isEmpty())
        qCWarning(lcListener, "cannot raise the open-file limit: %s", qPrintable(limits.error));
    if (limits.limit == FileLimits::unlimited)
        qCInfo(lcListener, "open-file limit: unlimited");
    else if (limits.raised())
        qCInfo(lcListener, "open-file limit: %llu (raised from %llu)", limits.limit, limits.before);
    else
        qCInfo(lcListener, "open-file limit: %llu", limits.limit);
    const int allowed = FileLimits::clampConnections(config.maxConnections, limits.limit);
    if (allowed < config.maxConnections) {
        qCWarning(lcListener,
                  "--max-connections %d does not fit the open-file limit %llu (%d descriptors "
                  "reserved): using %d",
                  config.maxConnections, limits.limit, FileLimits::reservedDescriptors, allowed);
        config.maxConnections = allowed;
    }
}

} // namespace

int main(int argc, char *argv[])
{
    // The main thread's event loop on epoll (http/epolleventdispatcher.h): Qt's dispatchers poll
    // every socket on every turn of the loop, which with thousands of held streams dominated the
    // server's CPU. SLUICE_EVENT_DISPATCHER=qt keeps Qt's, and then its UNIX dispatcher rather than
    // glib's, whose notifier list every write-notifier toggle walks (an empty QT_NO_GLIB= keeps
    // glib).
    if (qEnvironmentVariable("SLUICE_EVENT_DISPATCHER") != u"qt") {
        auto *dispatcher = new Sluice::Server::EpollEventDispatcher;
        if (dispatcher->isValid())
            QCoreApplication::setEventDispatcher(dispatcher);
        else
            delete dispatcher;
    }
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sluice-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SLUICE_SERVER_VERSION));

    // `sluice-server user add|list|passwd|remove ...`: account management, no server.
    if (const QStringList args = QCoreApplication::arguments();
        args.size() > 1 && args.at(1) == QLatin1String("user"))
        return runUserCommand(args.mid(2));

    ConfigParseResult parsed = parseServerConfig(QCoreApplication::arguments(),
                                                 QProcessEnvironment::systemEnvironment());
    switch (parsed.action) {
    case ConfigParseResult::Action::ExitSuccess:
        std::fputs(parsed.output.toLocal8Bit().constData(), stdout);
        return 0;
    case ConfigParseResult::Action::ExitFailure:
        return fail(parsed.output, 2);
    case ConfigParseResult::Action::Run:
        break;
    }
    ServerConfig &config = parsed.config;
    configureLogging(config.logLevel);

    // A file-size limit must make writes fail (the store answers 503), not kill the process.
    std::signal(SIGXFSZ, SIG_IGN);

    // Everything that only reads comes before key generation: a configuration error never
    // leaves freshly generated keys behind.
    QString error;
    if (!ProducerKey::load(config, parsed.producerKeyEnv, &error)
        || !Secrets::load(config.metricsTokenFile, parsed.metricsTokenEnv,
                          QStringLiteral("metrics token"), 16, config.production,
                          &config.metricsToken, &error)
        || !Secrets::load(config.databasePasswordFile, parsed.databasePasswordEnv,
                          QStringLiteral("database password"), 0, config.production,
                          &config.databasePassword, &error)
        || !ensureDataDir(config.dataDir, &error)
        || !loadOrCreateKeys(config, parsed.accessKeyEnv, parsed.streamKeyEnv, &error)) {
        return fail(QStringLiteral("sluice-server: invalid configuration: ") + error, 2);
    }

    if (config.demo && config.production)
        return fail(QStringLiteral("sluice-server: invalid configuration: --demo is not allowed "
                                   "in production mode"),
                    2);

    if (!parsed.printRoutes)
        applyOpenFileLimit(config);
    ServerApp server(config);
    if (!server.start(!parsed.printRoutes, &error))
        return fail(QStringLiteral("sluice-server: cannot start: ") + error, 1);

    if (parsed.printRoutes) {
        for (const RouteInfo &route : server.routes()) {
            printLine(QString::fromLatin1(RequestLog::methodName(route.method)) + u' '
                      + route.path);
        }
        return 0;
    }

    Sluice::Common::SignalWatcher signals;
    QObject::connect(
        &signals, &Sluice::Common::SignalWatcher::signalReceived, &app, [&](int signalNumber) {
            static bool shuttingDown = false;
            if (shuttingDown) { // a second signal: do not wait for the streams
                QCoreApplication::quit();
                return;
            }
            shuttingDown = true;
            qCInfo(lcApp, "signal %d: shutting down", signalNumber);
            server.shutdown([] { QCoreApplication::quit(); }); // drains open streams first
        });

    std::optional<QString> demoPassword;
    if (config.demo) {
        demoPassword = ensureDemoUser(server.store(),
                                      ScryptParameters { server.config().scryptLogN }, &error);
        if (!demoPassword)
            return fail(QStringLiteral("sluice-server: cannot start: ") + error, 1);
    }

    printLine(QStringLiteral("sluice-server listening on http://%1:%2")
                  .arg(urlHost(config.host))
                  .arg(server.port()));
    if (demoPassword) {
        // Printed once on stdout for the operator, never through the log.
        printLine(QStringLiteral("demo user: %1  password: %2")
                      .arg(QLatin1String(demoUserName), *demoPassword));
    }
    return QCoreApplication::exec();
}
