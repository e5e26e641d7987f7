// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The smallest useful Sluice client: opens a stream and prints its events until the server says
// stop (204) or a fatal error happens. Reconnects and Last-Event-ID resume are automatic.
#include <Sluice/EventSource.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>
#include <QtCore/QUrl>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 2 || args.at(1).startsWith(QLatin1Char('-'))) {
        err << "usage: minimal-client URL\n";
        return args.contains(QStringLiteral("--help")) ? 0 : 2;
    }

    Sluice::EventSource source(QUrl(args.at(1)));
    int exitCode = 0;
    QObject::connect(&source, &Sluice::EventSource::eventReceived, [&](const Sluice::Event &e) {
        out << e.type() << " [" << e.lastEventId() << "]: " << e.data() << Qt::endl;
    });
    QObject::connect(&source, &Sluice::EventSource::errorOccurred, [&](const Sluice::Error &e) {
        err << "error: " << e.message() << (e.willRetry() ? " (retrying)" : "") << Qt::endl;
        if (!e.willRetry())
            exitCode = 1; // closed() follows
    });
    QObject::connect(&source, &Sluice::EventSource::closed, &app, [&] { app.exit(exitCode); });
    // Queued: open() may fail synchronously (bad URL), before exec() could see app.exit().
    QMetaObject::invokeMethod(&source, &Sluice::EventSource::open, Qt::QueuedConnection);
    return QCoreApplication::exec();
}
