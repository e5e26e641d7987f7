// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Events at the largest size the server accepts with its defaults (a 1 MiB request body, so data
// of 1 MiB less the envelope) against the real sluice-server, with --stream-buffer-bytes at its
// default (1 MiB) and at its minimum (4 KiB): replayed from the log, published live, and
// published live to a client that is behind (not reading for a while), every event arrives
// exactly once and in order on ONE connection (no slow-consumer close, no reconnect needed);
// a client that stops reading for good is still closed as a slow consumer while another client
// receives everything.
#include "stream/ssereader.h"
#include "stream/streamtestsupport.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QRegularExpression>
#include <QtTest/QTest>

using namespace Sluice::Test;

namespace {
constexpr int waitMs = 40000;
constexpr qsizetype maxBodyBytes = 1048576; // --max-body-bytes default
constexpr int eventCount = 6; // ~6 MiB per stream
constexpr qint64 minStreamBuffer = 4096; // --stream-buffer-bytes minimum

QByteArray envelope(const QString &type, const QJsonObject &data)
{
    return QJsonDocument(
               QJsonObject { { QStringLiteral("type"), type }, { QStringLiteral("data"), data } })
        .toJson(QJsonDocument::Compact);
}

// {"n":n,"text":"xxx…"} sized so that the request body is exactly `bodyBytes`.
QJsonObject dataForBody(int n, qsizetype bodyBytes)
{
    QJsonObject data { { QStringLiteral("n"), n }, { QStringLiteral("text"), QString() } };
    const qsizetype overhead = envelope(QStringLiteral("message"), data).size();
    data.insert(QStringLiteral("text"), QString(bodyBytes - overhead, u'x'));
    return data;
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

qint64 metric(HttpClient &http, const QByteArray &name)
{
    const HttpResponse response = http.get(QStringLiteral("/metrics"));
    for (const QByteArray &line : response.body.split('\n')) {
        if (line.startsWith(QByteArray(name + ' ')))
            return line.mid(name.size() + 1).trimmed().toLongLong();
    }
    return -1;
}

QStringList bufferArgs(qint64 streamBufferBytes)
{
    if (streamBufferBytes <= 0)
        return {};
    return { QStringLiteral("--stream-buffer-bytes"), QString::number(streamBufferBytes) };
}

// The reader got `connected`, messages 1..count (their exact data) and `done` (id count + 1),
// each once and in order, and the chunked body's end.
bool receivedAll(const SseReader &reader, int count, QString *why)
{
    const QList<SseEvent> &events = reader.events();
    if (events.size() != count + 2) {
        *why = QStringLiteral("%1 events, expected %2").arg(events.size()).arg(count + 2);
        return false;
    }
    if (events.constFirst().type != "connected") {
        *why = QStringLiteral("first event is not `connected`");
        return false;
    }
    for (int i = 1; i <= count; ++i) {
        const SseEvent &e = events.at(i);
        const QByteArray expected = compact(dataForBody(i, maxBodyBytes));
        if (e.id != i || e.type != "message" || e.data != expected) {
            *why = QStringLiteral("event %1: id %2, type %3, %4 data bytes (expected %5)")
                       .arg(i)
                       .arg(e.id)
                       .arg(QString::fromUtf8(e.type))
                       .arg(e.data.size())
                       .arg(expected.size());
            return false;
        }
    }
    if (events.constLast().id != count + 1 || events.constLast().type != "done") {
        *why = QStringLiteral("last event is not done %1").arg(count + 1);
        return false;
    }
    if (!reader.sawEndChunk()) {
        *why = QStringLiteral("the body did not end with the terminating chunk");
        return false;
    }
    return true;
}

} // namespace

class tst_LargeEvents : public QObject
{
    Q_OBJECT

    static bool publishAll(StreamFixture &f)
    {
        for (int i = 1; i <= eventCount; ++i) {
            if (f.publish(QStringLiteral("message"), dataForBody(i, maxBodyBytes)) != i)
                return false;
        }
        return f.publish(QStringLiteral("done")) == eventCount + 1;
    }

    static void bufferRows()
    {
        QTest::addColumn<qint64>("streamBufferBytes");
        QTest::newRow("default buffer (1 MiB)") << qint64(0);
        QTest::newRow("minimum buffer (4 KiB)") << minStreamBuffer;
    }

    // Everything arrived on this one connection, and no stream was closed as a slow consumer.
    static bool oneCleanStream(ServerProcess &server, StreamFixture &f, const SseReader &reader,
                               QString *why)
    {
        if (!receivedAll(reader, eventCount, why))
            return false;
        const qint64 slowCloses = metric(*f.http, "sluice_stream_slow_consumer_closes_total");
        *why = QStringLiteral("%1 slow-consumer closes").arg(slowCloses);
        return slowCloses == 0 && !server.logOutput().contains(QStringLiteral("slow consumer"));
    }

private Q_SLOTS:
    // The events below are the largest the default configuration accepts.
    void maximumSizeIsTheBodyLimit()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        const QJsonObject tooLarge = dataForBody(1, maxBodyBytes + 1);
        QCOMPARE(envelope(QStringLiteral("message"), tooLarge).size(), maxBodyBytes + 1);
        QCOMPARE(f.post(QStringLiteral("message"), tooLarge).status, 413);
        const QJsonObject largest = dataForBody(1, maxBodyBytes);
        QCOMPARE(envelope(QStringLiteral("message"), largest).size(), maxBodyBytes);
        QCOMPARE(f.post(QStringLiteral("message"), largest).status, 201);
        qInfo("largest event: %lld bytes of data in a %lld byte request",
              static_cast<long long>(compact(largest).size()),
              static_cast<long long>(maxBodyBytes));
    }

    void replayed_data() { bufferRows(); }
    void replayed()
    {
        QFETCH(qint64, streamBufferBytes);
        ServerProcess server;
        QVERIFY2(server.start(bufferArgs(streamBufferBytes)), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        QVERIFY(publishAll(f)); // the whole log is written before the client connects
        SseReader reader(server.port());
        f.openStream(reader);
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QString why;
        QVERIFY2(oneCleanStream(server, f, reader, &why), qPrintable(why));
        qInfo("replayed %d events of %lld bytes: %lld bytes on one connection", eventCount,
              static_cast<long long>(compact(dataForBody(1, maxBodyBytes)).size()),
              static_cast<long long>(reader.bytesReceived()));
    }

    void live_data() { bufferRows(); }
    void live()
    {
        QFETCH(qint64, streamBufferBytes);
        ServerProcess server;
        QVERIFY2(server.start(bufferArgs(streamBufferBytes)), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        SseReader reader(server.port());
        f.openStream(reader);
        QTRY_COMPARE_WITH_TIMEOUT(reader.events().size(), 1, waitMs); // connected
        QVERIFY(publishAll(f)); // published while the client reads
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QString why;
        QVERIFY2(oneCleanStream(server, f, reader, &why), qPrintable(why));
    }

    // A healthy client that is behind (it does not read while several large events are
    // published, then reads on) is not a slow consumer: live events wait in the log.
    void liveToAClientThatIsBehind_data() { bufferRows(); }
    void liveToAClientThatIsBehind()
    {
        QFETCH(qint64, streamBufferBytes);
        ServerProcess server;
        QVERIFY2(server.start(bufferArgs(streamBufferBytes)), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        SseReader reader(server.port());
        f.openStream(reader);
        QTRY_COMPARE_WITH_TIMEOUT(reader.events().size(), 1, waitMs); // connected
        reader.setPaused(true);
        QVERIFY(publishAll(f));
        QVERIFY(!reader.isFinished());
        reader.setPaused(false);
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QString why;
        QVERIFY2(oneCleanStream(server, f, reader, &why), qPrintable(why));
        qInfo("events replayed from the log for the client that was behind: %lld",
              static_cast<long long>(metric(*f.http, "sluice_events_replayed_total")));
    }

    // A client that stops reading for good is closed as a slow consumer (after the stall
    // timeout: two heartbeat intervals, at least 5 s) and the server does not hold its backlog;
    // another client on the same prompt receives every event.
    void clientThatStopsReadingIsClosed_data() { bufferRows(); }
    void clientThatStopsReadingIsClosed()
    {
        QFETCH(qint64, streamBufferBytes);
        ServerProcess server;
        QVERIFY2(server.start(bufferArgs(streamBufferBytes)
                              + QStringList { QStringLiteral("--heartbeat-interval"),
                                              QStringLiteral("1s") }),
                 qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        SseReader fast(server.port());
        f.openStream(fast);
        SseReader stalled(server.port());
        stalled.open(f.promptPath(QStringLiteral("stream")),
                     { { "Authorization", f.bearerHeader() } }, /*stalled=*/true);
        QTRY_COMPARE_WITH_TIMEOUT(fast.events().size(), 1, waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(metric(*f.http, "sluice_streams_open"), 2, waitMs);
        // Publish until the kernel's socket buffers of the stalled connection are full and the
        // stall timeout has passed (one round of 6 MiB is enough on loopback here; larger kernel
        // buffers take more rounds).
        int published = 0;
        for (int round = 0; round < 5; ++round) {
            for (int i = 0; i < eventCount; ++i) {
                ++published;
                QCOMPARE(f.publish(QStringLiteral("message"), dataForBody(published, maxBodyBytes)),
                         published);
            }
            if (QTest::qWaitFor(
                    [&] { return metric(*f.http, "sluice_stream_slow_consumer_closes_total") > 0; },
                    8000))
                break;
        }
        QCOMPARE(f.publish(QStringLiteral("done")), published + 1);
        QTRY_VERIFY_WITH_TIMEOUT(fast.isFinished(), waitMs);
        QString why;
        QVERIFY2(receivedAll(fast, published, &why), qPrintable(why));
        // The server aborted the stalled connection (the stalled client, not reading, cannot
        // notice): the stream is gone from the server.
        QCOMPARE(metric(*f.http, "sluice_stream_slow_consumer_closes_total"), 1);
        QTRY_COMPARE_WITH_TIMEOUT(metric(*f.http, "sluice_streams_open"), 0, waitMs);
        static const QRegularExpression slowLine(QStringLiteral("slow consumer[^\\n]*"));
        const auto match = slowLine.match(server.logOutput());
        QVERIFY(match.hasMatch());
        qInfo("%s", qPrintable(match.captured(0)));
    }
};

QTEST_GUILESS_MAIN(tst_LargeEvents)
#include "tst_largeevents.moc"
