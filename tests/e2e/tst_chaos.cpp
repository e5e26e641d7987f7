// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Zero loss under chaos: while a producer publishes 2 000 events to one prompt, the server is
// SIGKILLed and restarted on the same data directory at least five times and a TCP proxy between
// the viewers and the server cuts every open connection at random moments. Three viewers follow
// the prompt, one per PromptStream mode (stream token, header, cookie), each with its own
// session. Every viewer must receive the prompt's log exactly: every event once, in order, ids
// 1..N, ending with `done`.
#include "support/chaosproxy.h"
#include "support/e2esupport.h"

#include <Sluice/EventSource.h>

#include <QtCore/QDir>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>

using namespace Sluice;
using namespace Sluice::Test;
using namespace std::chrono_literals;

namespace {

constexpr int Events = 2000;
constexpr int MinRestarts = 5;
const QString Password = QStringLiteral("chaos is a ladder");

// The `n` a producer put into an event's data, -1 for none.
int sequenceOf(const QString &data)
{
    const QJsonValue n = QJsonDocument::fromJson(data.toUtf8()).object().value(QLatin1String("n"));
    return n.isDouble() ? n.toInt() : -1;
}

} // namespace

class TestChaos : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyEventExactlyOnceInEveryMode()
    {
        ServerProcess server;
        // SIGKILL loses what the process held, not what the kernel has: a data directory in
        // memory (when the machine has one) tests the same thing without waiting for an fsync
        // per event.
        QTemporaryDir dataDir(QDir(QStringLiteral("/dev/shm")).exists()
                                  ? QStringLiteral("/dev/shm/sluice-chaos-XXXXXX")
                                  : QDir::tempPath() + QStringLiteral("/sluice-chaos-XXXXXX"));
        QVERIFY(dataDir.isValid());
        server.setDataDir(dataDir.path());
        const QStringList args { QStringLiteral("--cookie-mode"), QStringLiteral("on") };
        QVERIFY2(server.start(args), qPrintable(server.errorString()));
        ChaosProxy viewerProxy; // cut at random
        ChaosProxy producerProxy; // only sees the restarts
        QVERIFY(viewerProxy.listen());
        QVERIFY(producerProxy.listen());
        viewerProxy.setTargetPort(server.port());
        producerProxy.setTargetPort(server.port());
        const QUrl viewerUrl(QStringLiteral("http://127.0.0.1:%1").arg(viewerProxy.port()));
        const QUrl producerUrl(QStringLiteral("http://127.0.0.1:%1").arg(producerProxy.port()));

        QString error;
        SignedInUser producer
            = signIn(server, producerUrl, QStringLiteral("chaos"), Password, true, &error);
        QVERIFY2(producer.session, qPrintable(error));
        const auto [sessionId, promptId] = createPrompt(*producer.api, QStringLiteral("c"), &error);
        QVERIFY2(!promptId.isEmpty(), qPrintable(error));

        struct Viewer
        {
            SignedInUser user;
            std::unique_ptr<PromptStream> stream;
            std::unique_ptr<StreamRecorder> recorder;
        };
        std::vector<Viewer> viewers;
        for (auto mode : { PromptStream::Mode::StreamToken, PromptStream::Mode::Header,
                           PromptStream::Mode::Cookie }) {
            Viewer viewer;
            viewer.user
                = signIn(server, viewerUrl, QStringLiteral("chaos"), Password, false, &error);
            QVERIFY2(viewer.user.session, qPrintable(error));
            viewer.stream
                = std::make_unique<PromptStream>(viewer.user.session.get(), sessionId, promptId);
            viewer.stream->setMode(mode);
            RetryPolicy policy;
            policy.setInitialDelay(50ms);
            policy.setMaxDelay(500ms);
            policy.setMaxAuthFailures(10);
            viewer.stream->eventSource()->setRetryPolicy(policy);
            viewer.recorder = std::make_unique<StreamRecorder>(viewer.stream.get());
            viewer.stream->start();
            viewers.push_back(std::move(viewer));
        }

        // The producer: one event in flight at a time, retried until acknowledged; `done` only
        // after enough restarts happened.
        int next = 0;
        QSet<int> acknowledged;
        int publishFailures = 0;
        bool inFlight = false;
        bool doneAcknowledged = false;
        int restarts = 0;
        QTimer producerTick;
        producerTick.setInterval(5); // ~150 events/s: a run of about 15 s
        connect(&producerTick, &QTimer::timeout, this, [&] {
            if (inFlight || doneAcknowledged)
                return;
            const bool sendDone = next >= Events;
            if (sendDone && restarts < MinRestarts)
                return;
            inFlight = true;
            ApiReply *reply = producer.api->publishEvent(
                sessionId, promptId, sendDone ? QStringLiteral("done") : QStringLiteral("message"),
                sendDone ? QJsonObject {}
                         : QJsonObject { { QStringLiteral("n"), next },
                                         { QStringLiteral("delta"), QStringLiteral("word ") } });
            connect(reply, &Job::finished, this, [&, sendDone](Job *job) {
                inFlight = false;
                const Error failure = job->error();
                if (failure.isError()) {
                    // A 409 for `done` means an earlier, unacknowledged `done` was stored.
                    if (sendDone && failure.httpStatus() == 409)
                        doneAcknowledged = true;
                    else
                        ++publishFailures;
                    return;
                }
                if (sendDone) {
                    doneAcknowledged = true;
                    return;
                }
                acknowledged.insert(next);
                ++next;
            });
        });

        // The chaos: random cuts between viewers and server, and SIGKILL + restart.
        auto *random = QRandomGenerator::global();
        QTimer cutTick;
        connect(&cutTick, &QTimer::timeout, this, [&] {
            viewerProxy.cutAll();
            cutTick.start(int(random->bounded(80, 400)));
        });
        // A restart every Events / (MinRestarts + 1) acknowledged events, so that they are
        // spread over the whole run (a restart blocks this event loop while the server starts).
        QTimer restartTick;
        restartTick.setInterval(50);
        connect(&restartTick, &QTimer::timeout, this, [&] {
            if (doneAcknowledged || restarts >= MinRestarts + 1
                || next < (restarts + 1) * Events / (MinRestarts + 1))
                return;
            server.kill();
            if (!server.start(args)) {
                qWarning("restart failed: %s", qPrintable(server.errorString()));
                return;
            }
            viewerProxy.setTargetPort(server.port());
            producerProxy.setTargetPort(server.port());
            ++restarts;
        });

        producerTick.start();
        cutTick.start(300);
        restartTick.start();
        // (Viewers may see `done` before the producer has its answer.)
        const bool finished = waitUntil(
            [&] {
                return doneAcknowledged
                    && std::all_of(viewers.begin(), viewers.end(),
                                   [](const Viewer &v) { return v.recorder->finished; });
            },
            240000);
        producerTick.stop();
        cutTick.stop();
        restartTick.stop();
        QString summaries;
        for (const Viewer &viewer : viewers)
            summaries += viewer.recorder->summary() + u'\n';
        QVERIFY2(finished,
                 qPrintable(summaries
                            + QStringLiteral("published %1, restarts %2").arg(next).arg(restarts)));
        QVERIFY(doneAcknowledged);
        QVERIFY(restarts >= MinRestarts);

        // The log as a fresh reader sees it, once the dust has settled.
        PromptStream reader(producer.session.get(), sessionId, promptId);
        reader.setMode(PromptStream::Mode::Header);
        StreamRecorder log(&reader);
        reader.start();
        QVERIFY(waitUntil([&] { return log.finished; }));
        QVERIFY2(log.idsAreOneToN(), qPrintable(log.summary()));
        QCOMPARE(log.types.last(), QStringLiteral("done"));

        // Nothing acknowledged is missing from the log, and it holds the events in order (a
        // publish whose answer was lost to a kill may have been stored and then sent again).
        QSet<int> inLog;
        int previous = -1;
        for (const QString &data : std::as_const(log.data)) {
            const int n = sequenceOf(data);
            if (n < 0)
                continue;
            QVERIFY2(n >= previous, "the log is out of order");
            previous = n;
            inLog.insert(n);
        }
        for (int n : std::as_const(acknowledged))
            QVERIFY2(inLog.contains(n), qPrintable(QStringLiteral("event %1 lost").arg(n)));
        QCOMPARE(inLog.size(), Events);

        for (const Viewer &viewer : viewers) {
            const StreamRecorder &got = *viewer.recorder;
            QVERIFY2(viewer.stream->state() == PromptStream::State::Finished,
                     qPrintable(got.summary()));
            QCOMPARE(got.ids, log.ids); // every event exactly once, in order
            QCOMPARE(got.data, log.data);
            qInfo("mode %d: %lld events, %d reconnects, %lld duplicates dropped, 0 lost",
                  int(viewer.stream->mode()), qlonglong(got.ids.size()), got.reconnects,
                  qlonglong(viewer.stream->duplicatesDropped()));
        }
        qInfo("producer: %d events acknowledged (+ done), %lld in the log, %d failed publishes "
              "retried; %d restarts (SIGKILL), %d connections cut",
              Events, qlonglong(log.ids.size()), publishFailures, restarts, viewerProxy.cuts());
    }
};

QTEST_GUILESS_MAIN(TestChaos)
#include "tst_chaos.moc"
