// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// bench_client: Sluice::EventSource reading one fast stream (bench/reference-fastify/firehose.js)
// with a no-op slot, the way an application embeds it; prints one results line (events/s, peak
// RSS) with the same fields as the Node client next to it (eventsource-client.js):
//   bench_client URL EVENTS
#include <Sluice/Event.h>
#include <Sluice/EventSource.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QUrl>

#include <sys/resource.h>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 3) {
        std::fprintf(stderr, "usage: bench_client URL EVENTS\n");
        return 2;
    }
    const QUrl url(args.at(1));
    const qint64 expected = args.at(2).toLongLong();
    qint64 received = 0;
    QElapsedTimer clock;
    Sluice::EventSource source(url);
    QObject::connect(
        &source, &Sluice::EventSource::eventReceived, &app, [&](const Sluice::Event &event) {
            if (event.type() != u"done") {
                ++received; // the application's work would go here
                return;
            }
            const double seconds = double(clock.nsecsElapsed()) / 1e9;
            source.close();
            rusage usage {};
            getrusage(RUSAGE_SELF, &usage);
            const QJsonObject line {
                { QStringLiteral("scenario"), QStringLiteral("client") },
                { QStringLiteral("label"), QStringLiteral("sluice") },
                { QStringLiteral("events"), received },
                { QStringLiteral("expected"), expected },
                { QStringLiteral("seconds"), seconds },
                { QStringLiteral("events_per_second"), double(received) / seconds },
                { QStringLiteral("peak_rss_kib"), qint64(usage.ru_maxrss) },
                { QStringLiteral("error"),
                  received == expected ? QString() : QStringLiteral("events missing") },
            };
            std::fputs(QJsonDocument(line).toJson(QJsonDocument::Compact).constData(), stdout);
            std::fputc('\n', stdout);
            QCoreApplication::exit(received == expected ? 0 : 1);
        });
    QObject::connect(&source, &Sluice::EventSource::closed, &app, [&] {
        if (received == 0) {
            std::fprintf(stderr, "bench_client: the stream closed before any event\n");
            QCoreApplication::exit(1);
        }
    });
    clock.start();
    source.open();
    return app.exec();
}
