// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// bench_parser: Sluice::SseParser throughput. Each scenario builds a stream once, feeds it in
// fixed-size chunks (as a socket would deliver it) and reports the best of a few runs.
//
//   bench_parser [--quick]
#include <Sluice/SseParser.h>

#include <QtCore/QByteArray>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QStringList>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace {

struct Scenario
{
    const char *name;
    QByteArray stream;
    qint64 events; // events the stream holds
};

struct Measurement
{
    double seconds = 0; // wall clock (QElapsedTimer)
    double cpuSeconds = 0; // process CPU time: steadier on a shared, loaded machine
    qint64 events = 0;
    qint64 dataChars = 0;
};

Scenario largeEvents(qsizetype eventBytes, int count, bool multibyte, const char *name)
{
    QByteArray data;
    data.reserve(eventBytes);
    const QByteArray piece = multibyte ? QByteArray("caf\xC3\xA9 \xE2\x82\xAC 12 \xF0\x9F\x98\x80 ")
                                       : QByteArray("lorem ipsum dolor sit amet 0123456789 ");
    while (data.size() + piece.size() <= eventBytes)
        data += piece;
    data += QByteArray(eventBytes - data.size(), 'x');

    QByteArray stream;
    stream.reserve((eventBytes + 32) * count);
    for (int i = 0; i < count; ++i) {
        stream += "id: " + QByteArray::number(i) + "\nevent: message\ndata: ";
        stream += data;
        stream += "\n\n";
    }
    return { name, stream, count };
}

Scenario multiLineEvents(qsizetype eventBytes, qsizetype lineBytes, int count, const char *name)
{
    QByteArray event = "id: 1\n";
    const QByteArray line = "data: " + QByteArray(lineBytes, 'm') + '\n';
    for (qsizetype size = 0; size < eventBytes; size += lineBytes + 1)
        event += line;
    event += '\n';
    QByteArray stream;
    stream.reserve(event.size() * count);
    for (int i = 0; i < count; ++i)
        stream += event;
    return { name, stream, count };
}

Scenario smallEvents(int count, const char *lineEnd, const char *name)
{
    const QByteArray data(40, 'd'); // 40-byte payload, like a short JSON token message
    QByteArray stream;
    stream.reserve(qsizetype(count) * 80);
    for (int i = 0; i < count; ++i) {
        stream += "id: " + QByteArray::number(i) + lineEnd;
        stream += QByteArray("event: tool_use") + lineEnd;
        stream += "data: " + data + lineEnd;
        stream += lineEnd;
    }
    return { name, stream, count };
}

Measurement run(const Scenario &scenario, qsizetype chunkSize)
{
    Measurement m;
    Sluice::SseParser parser;
    parser.setEventHandler([&m](const Sluice::Event &event) {
        ++m.events;
        m.dataChars += event.data().size();
    });
    const QByteArrayView all(scenario.stream);
    QElapsedTimer timer;
    const std::clock_t cpuStart = std::clock();
    timer.start();
    for (qsizetype at = 0; at < all.size(); at += chunkSize)
        parser.feed(all.sliced(at, qMin(chunkSize, all.size() - at)));
    parser.finish();
    m.seconds = double(timer.nsecsElapsed()) / 1e9;
    m.cpuSeconds = double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    return m;
}

// The floor any SSE parser stands on: finding the line ends with memchr over the same bytes in the
// same chunks, nothing else. Returns the best wall-clock seconds of `repeats`.
double memchrScan(const QByteArray &stream, qsizetype chunkSize, int repeats, qint64 *lines)
{
    double best = 0;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer timer;
        timer.start();
        qint64 found = 0;
        for (qsizetype at = 0; at < stream.size(); at += chunkSize) {
            const char *p = stream.constData() + at;
            const char *end = p + std::min(chunkSize, stream.size() - at);
            while ((p = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p))))) {
                ++found;
                ++p;
            }
        }
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        if (r == 0 || seconds < best)
            best = seconds;
        *lines = found;
    }
    return best;
}

QByteArray chunkLabel(qsizetype chunkSize)
{
    if (chunkSize >= 1024 && chunkSize % 1024 == 0)
        return QByteArray::number(chunkSize / 1024) + " KiB";
    return QByteArray::number(chunkSize) + " B";
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = app.arguments().contains(QStringLiteral("--quick"));
    const int scale = quick ? 1 : 4;
    const int repeats = quick ? 1 : 5;

    struct Row
    {
        Scenario scenario;
        QList<qsizetype> chunkSizes;
    };
    const QList<Row> rows = {
        { largeEvents(1 << 20, 16 * scale, false, "1 MiB events, ASCII"), { 16 * 1024, 1024, 7 } },
        { largeEvents(1 << 20, 16 * scale, true, "1 MiB events, UTF-8 mix"), { 16 * 1024 } },
        { largeEvents(1 << 20, 4 * scale, false, "1 MiB events, ASCII (1 B)"), { 1 } },
        { multiLineEvents(1 << 20, 64, 16 * scale, "1 MiB events of 64 B data lines"),
          { 16 * 1024 } },
        { smallEvents(100000 * scale, "\n", "small events (id+event+40 B), LF"),
          { 16 * 1024, 64, 7, 1 } },
        { smallEvents(100000 * scale, "\r\n", "small events (id+event+40 B), CRLF"),
          { 16 * 1024 } },
    };

    std::printf("Sluice::SseParser throughput (best of %d runs)\n\n", repeats);
    std::printf("%-36s %8s %8s %10s %12s %10s %12s %8s\n", "scenario", "chunk", "MiB", "MB/s",
                "events/s", "cpu MB/s", "memchr MB/s", "ratio");
    std::printf("%-36s %8s %8s %10s %12s %10s %12s %8s\n", "------------------------------------",
                "--------", "--------", "----------", "------------", "----------", "------------",
                "--------");
    for (const Row &row : rows) {
        for (const qsizetype chunkSize : row.chunkSizes) {
            Measurement best;
            double bestCpu = 0;
            for (int i = 0; i < repeats; ++i) {
                const Measurement m = run(row.scenario, chunkSize);
                if (m.events != row.scenario.events) {
                    std::fprintf(stderr, "%s: parsed %lld events, expected %lld\n",
                                 row.scenario.name, qlonglong(m.events),
                                 qlonglong(row.scenario.events));
                    return 1;
                }
                if (i == 0 || m.seconds < best.seconds)
                    best = m;
                if (i == 0 || m.cpuSeconds < bestCpu)
                    bestCpu = m.cpuSeconds;
            }
            const double bytes = double(row.scenario.stream.size());
            qint64 lines = 0;
            const double scan = memchrScan(row.scenario.stream, chunkSize, repeats, &lines);
            if (lines < row.scenario.events) { // also keeps the scan from being optimised away
                std::fprintf(stderr, "%s: memchr found %lld line ends\n", row.scenario.name,
                             qlonglong(lines));
                return 1;
            }
            std::printf("%-36s %8s %8.1f %10.1f %12.0f %10.1f %12.1f %7.1f%%\n", row.scenario.name,
                        chunkLabel(chunkSize).constData(), bytes / (1024.0 * 1024.0),
                        bytes / best.seconds / 1e6, double(best.events) / best.seconds,
                        bytes / qMax(bestCpu, 1e-9) / 1e6, bytes / qMax(scan, 1e-9) / 1e6,
                        100.0 * scan / qMax(best.seconds, 1e-9));
            std::fflush(stdout);
        }
    }
    std::printf("\nMB/s: stream bytes (10^6 B/s, field names included) over wall-clock time;\n"
                "cpu MB/s: the same over process CPU time (less sensitive to a loaded machine);\n"
                "memchr MB/s: only finding the line ends (memchr) in the same bytes and chunks;\n"
                "ratio: the parser's speed as a share of that floor.\n");
    return 0;
}
