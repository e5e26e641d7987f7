// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-stream: curl for Server-Sent Events, and a signed-in client of a Sluice server
// (--server). See README.md and `sluice-stream --help`.
#include "exitcode.h"
#include "passwordinput.h"
#include "streamoptions.h"
#include "streamrunner.h"

#include "common/signalwatcher.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>

#include <csignal>
#include <cstdio>
#include <unistd.h>

using namespace SluiceStream;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sluice-stream"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SLUICE_VERSION));

    const ParseResult parsed = parseArguments(QCoreApplication::arguments());
    switch (parsed.action) {
    case ParseResult::Action::ShowHelp:
        std::fputs(parsed.helpText.toLocal8Bit().constData(), stdout);
        return ExitCode::Success;
    case ParseResult::Action::ShowVersion:
        std::printf("sluice-stream %s\n", SLUICE_VERSION);
        return ExitCode::Success;
    case ParseResult::Action::Error:
        std::fprintf(stderr, "sluice-stream: %s\nTry 'sluice-stream --help'.\n",
                     parsed.errorText.toLocal8Bit().constData());
        return ExitCode::UsageError;
    case ParseResult::Action::Run:
        break;
    }

    if (parsed.options.verbose)
        QLoggingCategory::setFilterRules(QStringLiteral("sluice.*.debug=true"));

    Sluice::Common::SignalWatcher signalWatcher;
    StreamRunner runner(parsed.options, stdout, stderr);
    // Read only when a password sign-in is needed (with --keychain, after the keychain failed).
    runner.setPasswordProvider(
        [](QString *error) { return readPasswordLine(STDIN_FILENO, error); });
    QObject::connect(
        &signalWatcher, &Sluice::Common::SignalWatcher::signalReceived, &runner,
        [&runner](int number) {
            if (number == SIGINT)
                runner.stop(ExitCode::Interrupted, QStringLiteral("interrupted (SIGINT)"));
            else
                runner.stop(ExitCode::Terminated, QStringLiteral("terminated (SIGTERM)"));
        });
    QObject::connect(&runner, &StreamRunner::finished, &app, &QCoreApplication::exit);
    runner.start();
    return QCoreApplication::exec();
}
