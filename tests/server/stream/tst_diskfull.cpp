// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The event log on a full disk, for real: the running sluice-server gets a file size limit
// (RLIMIT_FSIZE through prlimit(2), SIGXFSZ ignored so writes fail with EFBIG instead of killing
// it; no mount, no root) a little above its database files, so SQLite's writes start failing
// after some events. Shown: the producer gets 503 SERVICE_UNAVAILABLE (JSON), failed appends
// leave no trace (no gap in the ids), streams keep being served (live and replay) while writes
// fail, the server recovers by itself when space returns, a `done` that failed leaves the prompt
// open (a retried `done` is accepted), and after a crash (SIGKILL while full) and a restart
// without the limit every acknowledged event is streamed, once, in order, and a prompt whose
// `done` succeeded answers 204 after its replay.
#include "stream/ssereader.h"
#include "stream/streamtestsupport.h"

#include <QtCore/QFileInfo>
#include <QtCore/QJsonDocument>
#include <QtTest/QTest>

#include <csignal>
#include <sys/resource.h>

using namespace Sluice::Test;

namespace {
constexpr int waitMs = 30000;
constexpr qsizetype eventBytes = 64 * 1024;

QJsonObject eventData(int n)
{
    return { { QStringLiteral("n"), n }, { QStringLiteral("text"), QString(eventBytes, u'x') } };
}

// The largest of the server's database files (the limit applies to each file's size).
qint64 largestDatabaseFile(const QString &dataDir)
{
    qint64 largest = 0;
    for (const char *name : { "sluice.db", "sluice.db-wal", "sluice.db-shm" })
        largest = std::max(largest, QFileInfo(dataDir + u'/' + QLatin1String(name)).size());
    return largest;
}

// Sets the soft RLIMIT_FSIZE of process `pid` (infinity: back to the hard limit).
bool setFileSizeLimit(qint64 pid, rlim_t bytes)
{
    struct rlimit current
    {
    };
    if (prlimit(pid_t(pid), RLIMIT_FSIZE, nullptr, &current) != 0)
        return false;
    struct rlimit limit = current;
    limit.rlim_cur = bytes == RLIM_INFINITY ? current.rlim_max : std::min(bytes, current.rlim_max);
    return prlimit(pid_t(pid), RLIMIT_FSIZE, &limit, nullptr) == 0;
}

SseReader::Headers bearer(const StreamFixture &f, qint64 lastEventId = 0)
{
    SseReader::Headers headers { { "Authorization", f.bearerHeader() } };
    if (lastEventId > 0)
        headers.append({ "Last-Event-ID", QByteArray::number(lastEventId) });
    return headers;
}
} // namespace

class tst_DiskFull : public QObject
{
    Q_OBJECT

    // Publishes 64 KiB messages until the store refuses one, then tiny `status` events until the
    // store refuses those too (so that a `done`, as small, fails as well). Returns the last
    // acknowledged id (-1 if the store never failed or an id was skipped); `failure` gets the
    // first refusal.
    static qint64 publishUntilFull(StreamFixture &f, qint64 lastId, HttpResponse *failure)
    {
        bool full = false;
        for (const bool large : { true, false }) {
            for (int i = 0; i < 400; ++i) {
                const QJsonObject data = large
                    ? eventData(int(lastId + 1))
                    : QJsonObject { { QStringLiteral("n"), int(lastId + 1) } };
                const HttpResponse r
                    = f.post(large ? QStringLiteral("message") : QStringLiteral("status"), data);
                if (r.status != 201) {
                    if (!full)
                        *failure = r;
                    full = true;
                    break;
                }
                if (qint64(r.object().value(QStringLiteral("id")).toDouble()) != lastId + 1)
                    return -1;
                ++lastId;
            }
        }
        return full ? lastId : -1;
    }

    static QString promptStatus(StreamFixture &f)
    {
        return f.http
            ->get(QStringLiteral("/api/claude-code/sessions/%1/prompts/%2")
                      .arg(f.sessionId, f.promptId),
                  HttpClient::bearer(f.token))
            .object()
            .value(QStringLiteral("status"))
            .toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Inherited by the server (an ignored signal stays ignored across fork and exec):
        // a write past RLIMIT_FSIZE then fails with EFBIG instead of killing the process.
        std::signal(SIGXFSZ, SIG_IGN);
    }

    void fullDiskLosesNothingAcknowledged()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        StreamFixture f;
        QVERIFY(f.setUp(server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
        StreamFixture finished; // prompt B: finished (done acknowledged) before the disk fills
        finished.server = &server;
        finished.http = std::make_unique<HttpClient>(server.baseUrl());
        finished.token = f.token;
        finished.sessionId = f.sessionId;
        QVERIFY(finished.newPrompt());
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(finished.publish(QStringLiteral("message"), eventData(i)), i);
        QCOMPARE(finished.publish(QStringLiteral("done")), 4);
        for (int i = 1; i <= 5; ++i) // prompt A: running
            QCOMPARE(f.publish(QStringLiteral("message"), eventData(i)), i);
        qint64 acked = 5;

        SseReader live(server.port());
        live.open(f.promptPath(QStringLiteral("stream")), bearer(f));
        QTRY_COMPARE_WITH_TIMEOUT(live.eventIds(), idRange(1, acked), waitMs);

        // The disk fills up: files may not grow past their current size + 1 MiB.
        const qint64 limit = largestDatabaseFile(server.dataDir()) + 1024 * 1024;
        QVERIFY(setFileSizeLimit(server.processId(), rlim_t(limit)));
        HttpResponse failure;
        const qint64 before = acked;
        acked = publishUntilFull(f, acked, &failure);
        QVERIFY2(acked > before, "the store failed at once (limit too low?)");
        QVERIFY2(server.isRunning(), qPrintable(server.logOutput()));
        QCOMPARE(failure.status, 503);
        QCOMPARE(failure.errorCode(), QStringLiteral("SERVICE_UNAVAILABLE"));
        QVERIFY(!failure.object().value(QStringLiteral("error")).toString().isEmpty());
        qInfo("file size limit %lld bytes: %lld events of %lld KiB acknowledged, then %d: %s",
              static_cast<long long>(limit), static_cast<long long>(acked - before),
              static_cast<long long>(eventBytes / 1024), failure.status,
              qPrintable(failure.object().value(QStringLiteral("error")).toString()));
        QCOMPARE(f.post(QStringLiteral("message"), eventData(0)).status, 503); // still full
        // `done` fails as a whole: the prompt is not finished.
        const HttpResponse doneFailed = f.post(QStringLiteral("done"));
        QCOMPARE(doneFailed.status, 503);
        QCOMPARE(promptStatus(f), QStringLiteral("running"));

        // Streams are still served: live got every acknowledged event, a replay reads them all,
        // a finished prompt still replays to its end.
        QTRY_COMPARE_WITH_TIMEOUT(live.eventIds(), idRange(1, acked), waitMs);
        SseReader replay(server.port());
        replay.open(f.promptPath(QStringLiteral("stream")), bearer(f));
        QTRY_COMPARE_WITH_TIMEOUT(replay.eventIds(), idRange(1, acked), waitMs);
        SseReader finishedReplay(server.port());
        finishedReplay.open(finished.promptPath(QStringLiteral("stream")), bearer(finished));
        QTRY_VERIFY_WITH_TIMEOUT(finishedReplay.isFinished(), waitMs);
        QCOMPARE(finishedReplay.eventIds(), idRange(1, 4));
        QCOMPARE(f.http->get(QStringLiteral("/healthz")).status, 200);

        // Space returns: the running server writes again, with no gap in the ids.
        QVERIFY(setFileSizeLimit(server.processId(), RLIM_INFINITY));
        QCOMPARE(f.publish(QStringLiteral("message"), eventData(int(acked + 1))), acked + 1);
        ++acked;
        QTRY_COMPARE_WITH_TIMEOUT(live.eventIds(), idRange(1, acked), waitMs);

        // Full again, and the server crashes while full.
        QVERIFY(setFileSizeLimit(server.processId(),
                                 rlim_t(largestDatabaseFile(server.dataDir()) + 512 * 1024)));
        const qint64 beforeSecond = acked;
        acked = publishUntilFull(f, acked, &failure);
        QVERIFY(acked > beforeSecond);
        QCOMPARE(failure.status, 503);
        QCOMPARE(f.post(QStringLiteral("done")).status, 503);
        live.abort();
        replay.abort();
        server.kill(); // SIGKILL: the WAL may end with a torn write

        QVERIFY2(server.start(), qPrintable(server.errorString())); // no limit this time
        f.http = std::make_unique<HttpClient>(server.baseUrl());
        f.token = f.http->login(QStringLiteral("alice"), QStringLiteral("alice-password-1"));
        QVERIFY(!f.token.isEmpty());
        finished.http = std::make_unique<HttpClient>(server.baseUrl());
        finished.token = f.token;

        // Every acknowledged event, once, in order; the prompt whose `done` failed is open.
        SseReader afterRestart(server.port());
        afterRestart.open(f.promptPath(QStringLiteral("stream")), bearer(f));
        QTRY_COMPARE_WITH_TIMEOUT(afterRestart.eventIds(), idRange(1, acked), waitMs);
        QCOMPARE(promptStatus(f), QStringLiteral("running"));
        for (const SseEvent &e : afterRestart.events()) {
            if (e.id > 0) // the acknowledged content, not just the ids
                QCOMPARE(QJsonDocument::fromJson(e.data).object().value(QStringLiteral("n")),
                         QJsonValue(double(e.id)));
        }
        QVERIFY(!afterRestart.isFinished());
        // The retried `done` is accepted, ends the stream, and the prompt then answers 204.
        QCOMPARE(f.publish(QStringLiteral("done")), acked + 1);
        QTRY_VERIFY_WITH_TIMEOUT(afterRestart.isFinished(), waitMs);
        QCOMPARE(afterRestart.eventIds(), idRange(1, acked + 1));
        QCOMPARE(afterRestart.events().constLast().type, QByteArray("done"));
        QCOMPARE(promptStatus(f), QStringLiteral("done"));
        SseReader doneA(server.port());
        doneA.open(f.promptPath(QStringLiteral("stream")), bearer(f, acked + 1));
        QTRY_VERIFY_WITH_TIMEOUT(doneA.headersReceived(), waitMs);
        QCOMPARE(doneA.status(), 204);

        // The prompt whose `done` succeeded before the disk filled: replay, then 204.
        SseReader replayB(server.port());
        replayB.open(finished.promptPath(QStringLiteral("stream")), bearer(finished));
        QTRY_VERIFY_WITH_TIMEOUT(replayB.isFinished(), waitMs);
        QCOMPARE(replayB.eventIds(), idRange(1, 4));
        QCOMPARE(replayB.events().constLast().type, QByteArray("done"));
        SseReader doneB(server.port());
        doneB.open(finished.promptPath(QStringLiteral("stream")), bearer(finished, 4));
        QTRY_VERIFY_WITH_TIMEOUT(doneB.headersReceived(), waitMs);
        QCOMPARE(doneB.status(), 204);
        qInfo("after the restart: %lld acknowledged events of prompt A streamed once, in order; "
              "the retried done got id %lld",
              static_cast<long long>(acked), static_cast<long long>(acked + 1));
    }
};

QTEST_GUILESS_MAIN(tst_DiskFull)
#include "tst_diskfull.moc"
