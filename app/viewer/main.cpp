// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-viewer: watch the prompt streams of a Sluice server live. See README.md and
// `sluice-viewer --help`.
#include "commandline.h"
#include "mainwindow.h"
#include "screenshotdriver.h"

#include "passwordinput.h"

#include <Sluice/KeychainTokenStore.h>
#include <Sluice/MemoryTokenStore.h>

#include <QtGui/QIcon>
#include <QtWidgets/QApplication>

#include <cstdio>
#include <cstring>
#include <memory>
#include <unistd.h>

using namespace SluiceViewer;

namespace {

// --help and --version must work without a display: they are answered before QApplication
// (which needs one) exists.
bool asksForHelpOrVersion(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        for (const char *option : { "--help", "-h", "--help-all", "-?", "--version", "-v" }) {
            if (std::strcmp(argv[i], option) == 0)
                return true;
        }
    }
    return false;
}

void setApplicationNames()
{
    QCoreApplication::setOrganizationName(QStringLiteral("Sluice"));
    QCoreApplication::setApplicationName(QStringLiteral("sluice-viewer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SLUICE_VERSION));
}

int printHelpOrError(const CommandLine &commandLine)
{
    switch (commandLine.action) {
    case CommandLine::Action::ShowHelp:
        std::fputs(commandLine.helpText.toLocal8Bit().constData(), stdout);
        return 0;
    case CommandLine::Action::ShowVersion:
        std::printf("sluice-viewer %s\n", SLUICE_VERSION);
        return 0;
    case CommandLine::Action::Error:
        std::fprintf(stderr, "sluice-viewer: %s\nTry 'sluice-viewer --help'.\n",
                     commandLine.errorText.toLocal8Bit().constData());
        return 2;
    case CommandLine::Action::Run:
        break;
    }
    return -1;
}

} // namespace

int main(int argc, char *argv[])
{
    if (asksForHelpOrVersion(argc, argv)) {
        QCoreApplication app(argc, argv);
        setApplicationNames();
        return printHelpOrError(parseCommandLine(QCoreApplication::arguments()));
    }

    const QStringList sessionArgument = takeSessionArgument(argc, argv);
    QApplication app(argc, argv);
    setApplicationNames();
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Sluice Viewer"));
    // Matches packaging/sluice-viewer.desktop: Wayland compositors find the icon through it.
    QGuiApplication::setDesktopFileName(QStringLiteral("sluice-viewer"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("sluice-viewer")));

    const CommandLine commandLine
        = parseCommandLine(QCoreApplication::arguments() + sessionArgument);
    if (const int status = printHelpOrError(commandLine); status >= 0)
        return status;
    const ViewerOptions &options = commandLine.options;

    QString password;
    if (options.passwordStdin) {
        QString error;
        const std::optional<QString> read = SluiceStream::readPasswordLine(STDIN_FILENO, &error);
        if (!read) {
            std::fprintf(stderr, "sluice-viewer: --password-stdin: %s\n", qPrintable(error));
            return 2;
        }
        password = *read;
    }

    // A scripted sign-in (--password-stdin) remembers nothing and leaves the keychain alone.
    std::unique_ptr<Sluice::TokenStore> tokenStore;
    if (options.passwordStdin)
        tokenStore = std::make_unique<Sluice::MemoryTokenStore>();
    else
        tokenStore = std::make_unique<Sluice::KeychainTokenStore>(QStringLiteral("sluice-viewer"));

    MainWindow window(tokenStore.get());
    if (!options.screenshotDir.isEmpty()) {
        ScreenshotDriver driver(&window, options, password);
        QObject::connect(&driver, &ScreenshotDriver::finished, &app, &QCoreApplication::exit);
        driver.start();
        return QApplication::exec();
    }
    window.show();
    window.start(options, password);
    return QApplication::exec();
}
