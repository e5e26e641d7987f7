// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Sluice::PromptStream against the real sluice-server, in its three modes (stream token, header,
// cookie): a demo prompt to `done` with exactly the prompt's log, no reconnect after `done`,
// 204 for a finished prompt, resume from a saved position, suspend/resume, unknown prompts, and
// token expiry in the middle of a long prompt (access and stream tokens at their minimum
// lifetime, no leeway) without losing or repeating an event.
#include "support/e2esupport.h"
#include "support/httpclient.h"

#include <Sluice/EventSource.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QRegularExpression>
#include <QtCore/QTimer>
#include <QtTest/QSignalSpy>

using namespace Sluice;
using namespace Sluice::Test;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(Sluice::PromptStream::Mode)

namespace {

const QString Password = QStringLiteral("streams need passwords too");

QString modeName(PromptStream::Mode mode)
{
    switch (mode) {
    case PromptStream::Mode::StreamToken:
        return QStringLiteral("token");
    case PromptStream::Mode::Header:
        return QStringLiteral("header");
    case PromptStream::Mode::Cookie:
        return QStringLiteral("cookie");
    }
    return {};
}

void addModeRows()
{
    QTest::addColumn<PromptStream::Mode>("mode");
    for (auto mode : { PromptStream::Mode::StreamToken, PromptStream::Mode::Header,
                       PromptStream::Mode::Cookie })
        QTest::newRow(qPrintable(modeName(mode))) << mode;
}

// Stream requests the server answered, by status (its request counter per route template).
double streamRequests(const QUrl &baseUrl, const QByteArray &status)
{
    HttpClient http(baseUrl);
    return metricValue(http.get(QStringLiteral("/metrics")).body, "sluice_http_requests_total",
                       { "route=\"/api/claude-code/sessions/{sid}/prompts/{pid}/stream\"",
                         "status=\"" + status + "\"" });
}

RetryPolicy fastRetries()
{
    RetryPolicy policy;
    policy.setInitialDelay(100ms);
    policy.setMaxDelay(1s);
    return policy;
}

} // namespace

class TestPromptStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_demo.start({ QStringLiteral("--demo-speed"), QStringLiteral("40"),
                                QStringLiteral("--cookie-mode"), QStringLiteral("on"),
                                QStringLiteral("--demo") }),
                 qPrintable(m_demo.errorString()));
        QString error;
        m_user
            = signIn(m_demo, m_demo.baseUrl(), QStringLiteral("operator"), Password, true, &error);
        QVERIFY2(m_user.session, qPrintable(error));
    }

    void demoPromptToDone_data() { addModeRows(); }
    void demoPromptToDone()
    {
        QFETCH(PromptStream::Mode, mode);
        QString error;
        const auto [sessionId, promptId] = createPrompt(*m_user.api, modeName(mode), &error);
        QVERIFY2(!promptId.isEmpty(), qPrintable(error));
        const double streamsBefore = streamRequests(m_demo.baseUrl(), "200");

        PromptStream stream(m_user.session.get(), sessionId, promptId);
        stream.setMode(mode);
        StreamRecorder recorder(&stream);
        QString text;
        QStringList tools;
        int toolResults = 0;
        connect(&stream, &PromptStream::message, this,
                [&](const QString &delta, const QJsonObject &data) {
                    if (!data.value(QLatin1String("final")).toBool())
                        text += delta;
                });
        connect(&stream, &PromptStream::toolUse, this,
                [&](const QString &id, const QString &name, const QJsonObject &input) {
                    QVERIFY(!id.isEmpty());
                    QVERIFY(!input.isEmpty());
                    tools.append(name);
                });
        connect(&stream, &PromptStream::toolResult, this,
                [&](const QString &id, const QJsonValue &content) {
                    QVERIFY(!id.isEmpty());
                    QVERIFY(content.isString());
                    ++toolResults;
                });
        QSignalSpy done(&stream, &PromptStream::done);
        QSignalSpy states(&stream, &PromptStream::stateChanged);
        stream.start();
        QCOMPARE(stream.state(), PromptStream::State::Connecting);
        QVERIFY2(waitUntil([&] { return recorder.finished; }), qPrintable(recorder.summary()));

        QCOMPARE(stream.state(), PromptStream::State::Finished);
        QCOMPARE(done.size(), 1);
        QCOMPARE(recorder.doneEvents, 1);
        QCOMPARE(recorder.types.last(), QStringLiteral("done"));
        QVERIFY2(recorder.idsAreOneToN(), qPrintable(recorder.summary()));
        QVERIFY(recorder.ids.size() > 10);
        QCOMPARE(recorder.connectedEvents, 1);
        QCOMPARE(stream.lastEventId(), QString::number(recorder.ids.last()));
        QCOMPARE(stream.duplicatesDropped(), qint64(0));
        QVERIFY(recorder.errors.isEmpty());
        QVERIFY(!text.isEmpty());
        QCOMPARE(tools.size(), toolResults);
        QVERIFY(!tools.isEmpty());
        QList<PromptStream::State> seenStates;
        for (const auto &args : states)
            seenStates.append(args.at(0).value<PromptStream::State>());
        QCOMPARE(seenStates,
                 (QList<PromptStream::State> { PromptStream::State::Connecting,
                                               PromptStream::State::Live,
                                               PromptStream::State::Finished }));
        // `done` ends it for good: no reconnect request reached the server.
        QTest::qWait(300);
        QCOMPARE(streamRequests(m_demo.baseUrl(), "200") - streamsBefore, 1.0);

        // The log, read again from the start by another client, is exactly what was received.
        PromptStream again(m_user.session.get(), sessionId, promptId);
        again.setMode(PromptStream::Mode::Header);
        StreamRecorder replay(&again);
        again.start();
        QVERIFY(waitUntil([&] { return replay.finished; }));
        QCOMPARE(replay.ids, recorder.ids);
        QCOMPARE(replay.types, recorder.types);
        QCOMPARE(replay.data, recorder.data);

        // Everything seen already: the server answers 204 and the stream finishes at once.
        const double noContentBefore = streamRequests(m_demo.baseUrl(), "204");
        PromptStream seen(m_user.session.get(), sessionId, promptId);
        seen.setMode(mode);
        seen.setLastEventId(QString::number(recorder.ids.last()));
        StreamRecorder nothing(&seen);
        seen.start();
        QVERIFY(waitUntil([&] { return nothing.finished; }));
        QCOMPARE(seen.state(), PromptStream::State::Finished);
        QVERIFY(nothing.ids.isEmpty());
        QCOMPARE(streamRequests(m_demo.baseUrl(), "204") - noContentBefore, 1.0);
    }

    void resumesAfterSavedPosition()
    {
        QString error;
        const auto [sessionId, promptId] = createPrompt(*m_user.api, QStringLiteral("r"), &error);
        QVERIFY2(!promptId.isEmpty(), qPrintable(error));
        PromptStream full(m_user.session.get(), sessionId, promptId);
        StreamRecorder all(&full);
        full.start();
        QVERIFY(waitUntil([&] { return all.finished; }));
        QVERIFY(all.ids.size() > 10);

        PromptStream later(m_user.session.get(), sessionId, promptId);
        later.setLastEventId(QStringLiteral("5"));
        StreamRecorder rest(&later);
        later.start();
        QVERIFY(waitUntil([&] { return rest.finished; }));
        QCOMPARE(rest.ids, all.ids.mid(5));
    }

    void suspendAndResume()
    {
        QString error;
        const auto [sessionId, promptId] = createPrompt(*m_user.api, QStringLiteral("s"), &error);
        QVERIFY2(!promptId.isEmpty(), qPrintable(error));
        PromptStream stream(m_user.session.get(), sessionId, promptId);
        stream.setMode(PromptStream::Mode::Header);
        StreamRecorder recorder(&stream);
        stream.start();
        QVERIFY(waitUntil([&] { return recorder.ids.size() >= 3; }));
        stream.suspend();
        QCOMPARE(stream.state(), PromptStream::State::Suspended);
        QCOMPARE(stream.eventSource()->readyState(), EventSource::ReadyState::Suspended);
        const qsizetype received = recorder.ids.size();
        QTest::qWait(400); // the demo keeps publishing meanwhile
        QCOMPARE(recorder.ids.size(), received);
        stream.resume();
        QVERIFY(waitUntil([&] { return recorder.finished; }));
        QVERIFY2(recorder.idsAreOneToN(), qPrintable(recorder.summary()));
        QCOMPARE(recorder.types.last(), QStringLiteral("done"));
    }

    void unknownPromptFails_data() { addModeRows(); }
    void unknownPromptFails()
    {
        QFETCH(PromptStream::Mode, mode);
        QString error;
        const auto [sessionId, promptId] = createPrompt(*m_user.api, QStringLiteral("u"), &error);
        QVERIFY2(!promptId.isEmpty(), qPrintable(error));
        PromptStream stream(m_user.session.get(), sessionId, QStringLiteral("no-such-prompt"));
        stream.setMode(mode);
        StreamRecorder recorder(&stream);
        stream.start();
        QVERIFY(waitUntil([&] { return recorder.finished; }));
        QCOMPARE(stream.state(), PromptStream::State::Failed);
        QVERIFY(!recorder.errors.isEmpty());
        QCOMPARE(recorder.errors.last().httpStatus(), 404);
        QVERIFY(!recorder.errors.last().willRetry());
    }

    void signedOutSessionFailsTheStream()
    {
        AuthSession nobody(m_demo.baseUrl());
        PromptStream stream(&nobody, QStringLiteral("s"), QStringLiteral("p"));
        stream.setMode(PromptStream::Mode::Header);
        StreamRecorder recorder(&stream);
        stream.start();
        QVERIFY(waitUntil([&] { return recorder.finished; }));
        QCOMPARE(stream.state(), PromptStream::State::Failed);
        QCOMPARE(recorder.errors.last().kind(), Error::Kind::NotSignedIn);
    }

    // Access tokens and stream tokens live 10 s, the server allows no leeway and ends Bearer and
    // cookie streams when their token expires; a prompt publishing for ~35 s crosses several
    // expiries in every mode. Each mode has its own session (its own tokens and refreshes).
    void tokenExpiryMidStream()
    {
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--access-token-ttl"), QStringLiteral("10s"),
                                QStringLiteral("--stream-token-ttl"), QStringLiteral("10s"),
                                QStringLiteral("--token-leeway"), QStringLiteral("0s"),
                                QStringLiteral("--cookie-mode"), QStringLiteral("on") }),
                 qPrintable(server.errorString()));
        QString error;
        SignedInUser publisher
            = signIn(server, server.baseUrl(), QStringLiteral("producer"), Password, true, &error);
        QVERIFY2(publisher.session, qPrintable(error));
        const auto [sessionId, promptId]
            = createPrompt(*publisher.api, QStringLiteral("x"), &error);
        QVERIFY2(!promptId.isEmpty(), qPrintable(error));

        struct Viewer
        {
            SignedInUser user;
            std::unique_ptr<PromptStream> stream;
            std::unique_ptr<StreamRecorder> recorder;
            int tokenChanges = 0;
        };
        std::vector<Viewer> viewers;
        for (auto mode : { PromptStream::Mode::StreamToken, PromptStream::Mode::Header,
                           PromptStream::Mode::Cookie }) {
            Viewer viewer;
            // The same user signed in three times: three independent token families.
            viewer.user = signIn(server, server.baseUrl(), QStringLiteral("producer"), Password,
                                 false, &error);
            QVERIFY2(viewer.user.session, qPrintable(error));
            viewer.stream
                = std::make_unique<PromptStream>(viewer.user.session.get(), sessionId, promptId);
            viewer.stream->setMode(mode);
            viewer.stream->eventSource()->setRetryPolicy(fastRetries());
            viewer.recorder = std::make_unique<StreamRecorder>(viewer.stream.get());
            viewer.stream->start();
            viewers.push_back(std::move(viewer));
        }
        for (Viewer &viewer : viewers) {
            connect(viewer.user.session.get(), &AuthSession::accessTokenChanged, this,
                    [&viewer] { ++viewer.tokenChanges; });
        }

        // ~35 s of events, 6 per second; the publisher's own token expires too.
        constexpr int Events = 210;
        int published = 0;
        bool publishing = false;
        QTimer tick;
        tick.setInterval(160);
        connect(&tick, &QTimer::timeout, this, [&] {
            if (publishing || published >= Events)
                return;
            publishing = true;
            const bool last = published == Events - 1;
            ApiReply *reply = publisher.api->publishEvent(
                sessionId, promptId, last ? QStringLiteral("done") : QStringLiteral("message"),
                { { QStringLiteral("delta"), QStringLiteral("w%1 ").arg(published) } });
            connect(reply, &Job::finished, this, [&](Job *job) {
                publishing = false;
                if (!job->error().isError())
                    ++published;
            });
        });
        tick.start();
        // (The viewers may see `done` before the publisher has its answer.)
        QVERIFY2(waitUntil(
                     [&] {
                         return published == Events
                             && std::all_of(viewers.begin(), viewers.end(),
                                            [](const Viewer &v) { return v.recorder->finished; });
                     },
                     120000),
                 qPrintable(viewers[0].recorder->summary() + u" | " + viewers[1].recorder->summary()
                            + u" | " + viewers[2].recorder->summary()));
        QCOMPARE(published, Events);
        for (const Viewer &viewer : viewers) {
            const QString name = modeName(viewer.stream->mode());
            QVERIFY2(viewer.stream->state() == PromptStream::State::Finished, qPrintable(name));
            QCOMPARE(viewer.recorder->ids.size(), qsizetype(Events));
            QVERIFY2(viewer.recorder->idsAreOneToN(), qPrintable(viewer.recorder->summary()));
            QCOMPARE(viewer.stream->duplicatesDropped(), qint64(0));
            // Every session refreshed its 10 s token several times on the way.
            QVERIFY2(viewer.tokenChanges >= 2, qPrintable(name));
            qInfo("%s: %lld events, %d reconnects, %d token refreshes", qPrintable(name),
                  qlonglong(viewer.recorder->ids.size()), viewer.recorder->reconnects,
                  viewer.tokenChanges);
        }
        // Header and cookie streams were ended at their token's expiry and came back.
        QVERIFY(viewers[1].recorder->reconnects >= 2);
        QVERIFY(viewers[2].recorder->reconnects >= 2);
    }

private:
    ServerProcess m_demo;
    SignedInUser m_user;
};

QTEST_GUILESS_MAIN(TestPromptStream)
#include "tst_promptstream.moc"
