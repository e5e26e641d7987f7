// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// parseServerConfig: command-line flags > environment variables > defaults, validated. Keys are
// not loaded here (see keyfiles.h); only their sources are recorded.
#pragma once

#include "config/serverconfig.h"

#include <QtCore/QProcessEnvironment>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace Sluice::Server {

struct ConfigParseResult
{
    enum class Action {
        Run, // start the server with `config`
        ExitSuccess, // print `output` (help, version) to stdout and exit 0
        ExitFailure, // print `output` (ONE line) to stderr and exit 2
    };
    Action action = Action::Run;
    ServerConfig config;
    QString output;
    bool printRoutes = false; // --print-routes: list the registered routes and exit
    QString accessKeyEnv; // secrets given directly in the environment (SLUICE_ACCESS_KEY ...)
    QString streamKeyEnv;
    QByteArray producerKeyEnv; // SLUICE_PRODUCER_KEY (see ops/producerkey.h)
    QByteArray metricsTokenEnv; // SLUICE_METRICS_TOKEN
    QByteArray databasePasswordEnv; // SLUICE_DATABASE_PASSWORD
};

// `arguments` includes the program name as its first element, like QCoreApplication::arguments().
ConfigParseResult parseServerConfig(const QStringList &arguments, const QProcessEnvironment &env);

} // namespace Sluice::Server
