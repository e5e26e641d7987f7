// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Durable replay and stream lifetime against the real sluice-server: 1 000 events while the client
// keeps disconnecting at random points and resuming with Last-Event-ID (every event exactly once,
// in order); SIGKILL + restart on the same data directory (nothing lost); a slow consumer closed
// at the buffer limit while another client keeps receiving, server RSS bounded; SIGTERM ends
// streams gracefully and exits 0.
#include "stream/ssereader.h"
#include "stream/streamtestsupport.h"

#include <QtCore/QRandomGenerator>
#include <QtTest/QTest>

#include <memory>

using namespace Sluice::Test;

namespace {
constexpr int waitMs = 60000;

} // namespace

class tst_StreamReplay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void randomDisconnectsLoseNothing()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));

        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo("random seed %u", seed);
        QRandomGenerator random(seed);
        QList<qint64> ids;
        qint64 lastId = 0;
        int reconnects = 0;
        auto reader = std::make_unique<SseReader>(server.port());
        auto open = [&] {
            reader = std::make_unique<SseReader>(server.port());
            SseReader::Headers headers { { "Authorization", f.bearerHeader() } };
            if (lastId > 0)
                headers.append({ "Last-Event-ID", QByteArray::number(lastId) });
            reader->open(f.promptPath(QStringLiteral("stream")), headers);
        };
        open();
        int nextCut = int(random.bounded(1, 40));
        for (int i = 1; i <= 1000; ++i) {
            QCOMPARE(f.publish(QStringLiteral("message"), { { QStringLiteral("n"), i } }), i);
            if (--nextCut > 0)
                continue;
            // Cut the connection wherever the reader happens to be, and resume.
            QTest::qWait(0);
            QList<qint64> got;
            got += reader->eventIds();
            ids += got;
            if (!got.isEmpty())
                lastId = got.constLast();
            reader->abort();
            ++reconnects;
            open();
            nextCut = int(random.bounded(1, 40));
        }
        QCOMPARE(f.publish(QStringLiteral("done")), 1001);
        QTRY_VERIFY_WITH_TIMEOUT(reader->isFinished(), waitMs);
        ids += reader->eventIds();
        QCOMPARE(ids.size(), 1001);
        QCOMPARE(ids, idRange(1, 1001));
        qInfo("1001 events received exactly once, in order, across %d reconnects", reconnects);
    }

    void restartAfterSigkill()
    {
        ServerProcess first;
        QVERIFY2(first.start(), qPrintable(first.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(first, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        SseReader reader(first.port());
        f.openStream(reader);
        for (int i = 1; i <= 50; ++i)
            QCOMPARE(f.publish(QStringLiteral("message"), { { QStringLiteral("n"), i } }), i);
        QTRY_COMPARE_WITH_TIMEOUT(reader.events().size(), 51, waitMs); // connected + 50
        first.kill(); // SIGKILL mid-stream
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QList<qint64> ids;
        ids += reader.eventIds();

        ServerProcess second;
        QVERIFY2(second.start({ QStringLiteral("--data-dir"), first.dataDir() }),
                 qPrintable(second.errorString()));
        f.http = std::make_unique<HttpClient>(second.baseUrl());
        f.token = f.http->login(QStringLiteral("alice"), QStringLiteral("alice-password-1"));
        QVERIFY(!f.token.isEmpty());
        for (int i = 51; i <= 60; ++i)
            QCOMPARE(f.publish(QStringLiteral("message"), { { QStringLiteral("n"), i } }), i);
        QCOMPARE(f.publish(QStringLiteral("done")), 61);
        SseReader resumed(second.port());
        resumed.open(f.promptPath(QStringLiteral("stream")),
                     { { "Authorization", f.bearerHeader() },
                       { "Last-Event-ID", QByteArray::number(ids.constLast()) } });
        QTRY_VERIFY_WITH_TIMEOUT(resumed.isFinished(), waitMs);
        ids += resumed.eventIds();
        QCOMPARE(ids, idRange(1, 61));
    }

    void slowConsumerIsClosed()
    {
        ServerProcess server;
        // Under AddressSanitizer freed memory sits in a 256 MiB quarantine, which would hide
        // what the server really keeps: shrink it for this server so RSS means something.
        QString asan = qEnvironmentVariable("ASAN_OPTIONS");
        asan += QLatin1String(asan.isEmpty() ? "" : ":") + QStringLiteral("quarantine_size_mb=1");
        // The stalled stream is closed once its output made no progress for the stall timeout
        // (two heartbeat intervals, at least 5 s).
        QVERIFY2(server.start({ QStringLiteral("--stream-buffer-bytes"), QStringLiteral("65536"),
                                QStringLiteral("--heartbeat-interval"), QStringLiteral("1s") },
                              { { QStringLiteral("ASAN_OPTIONS"), asan } }),
                 qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        SseReader fast(server.port());
        f.openStream(fast);
        SseReader slow(server.port());
        slow.open(f.promptPath(QStringLiteral("stream")), { { "Authorization", f.bearerHeader() } },
                  /*stalled=*/true);
        QTRY_VERIFY_WITH_TIMEOUT(!fast.events().isEmpty(), waitMs);

        const qint64 rssBefore = server.residentMemoryKiB();
        qint64 rssMax = rssBefore;
        const QString chunk(48 * 1024, u'x');
        constexpr int count = 300; // ~14 MiB: far more than socket buffers hold
        for (int i = 1; i <= count; ++i) {
            QCOMPARE(f.publish(QStringLiteral("message"), { { QStringLiteral("text"), chunk } }),
                     i);
            rssMax = std::max(rssMax, server.residentMemoryKiB());
        }
        QTRY_COMPARE_WITH_TIMEOUT(fast.events().size(), count + 1, waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(f.http->get(QStringLiteral("/metrics"))
                                     .body.contains("sluice_stream_slow_consumer_closes_total 1"),
                                 waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(server.logOutput().contains(QStringLiteral("slow consumer")),
                                 waitMs);
        qInfo("slow consumer: %d events of 48 KiB, server RSS %lld KiB before, %lld KiB max "
              "(+%lld KiB)",
              count, rssBefore, rssMax, rssMax - rssBefore);
        // Bounded: the stalled client's ~14 MiB never pile up in the server.
        QVERIFY2(rssMax - rssBefore < 12 * 1024, qPrintable(QString::number(rssMax - rssBefore)));
    }

    void sigtermEndsStreamsGracefully()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        SseReader reader(server.port());
        f.openStream(reader);
        QTRY_VERIFY_WITH_TIMEOUT(!reader.events().isEmpty(), waitMs);
        QVERIFY(server.stop()); // SIGTERM → exit code 0
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QVERIFY(reader.sawEndChunk());
        QVERIFY(reader.comments().contains("server shutting down, reconnect"));
    }
};

QTEST_GUILESS_MAIN(tst_StreamReplay)
#include "tst_streamreplay.moc"
