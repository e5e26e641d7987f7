// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Demo producer without a server: the simulated run is a well-formed agent run (status, message
// deltas, tool_use with JSON input, matching tool_result, final message, done last); transcripts
// load (the shipped sample included) or are refused with the line number; the producer plays a
// run through its publish function in order, scaled by speed, and stops when a publish is refused.
#include "demo/demoproducer.h"
#include "demo/demoscript.h"
#include "metrics/metrics.h"

#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QtTest>

using namespace Sluice::Server;

namespace {

struct Published
{
    QString promptId;
    QString type;
    QJsonValue data;
};

QString writeFile(const QTemporaryDir &dir, const QByteArray &content)
{
    const QString path = dir.filePath(QStringLiteral("t.jsonl"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(content);
    return path;
}

PromptRecord prompt(const QString &id)
{
    PromptRecord p;
    p.id = id;
    p.sessionId = QStringLiteral("s1");
    p.userId = QStringLiteral("u1");
    p.text = QStringLiteral("Why does the build fail?");
    return p;
}

// Checks the shape every run (simulated or replayed) must have.
void verifyWellFormed(const QList<QPair<QString, QJsonValue>> &events)
{
    QVERIFY(events.size() >= 5);
    QCOMPARE(events.constLast().first, QStringLiteral("done"));
    QStringList openToolIds;
    int deltas = 0;
    bool finalMessage = false;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QString &type = events.at(i).first;
        const QJsonObject data = events.at(i).second.toObject();
        QVERIFY2(parseEventType(type).has_value(), qPrintable(type));
        QVERIFY2(events.at(i).second.isObject(), qPrintable(type));
        if (type == u"done")
            QCOMPARE(i, events.size() - 1);
        if (type == u"message") {
            if (data.contains(QLatin1String("delta")))
                ++deltas;
            if (data.value(QLatin1String("final")).toBool()) {
                finalMessage = true;
                QVERIFY(!data.value(QLatin1String("text")).toString().isEmpty());
            }
        }
        if (type == u"tool_use") {
            QVERIFY(data.value(QLatin1String("id")).toString().startsWith(u"toolu_"));
            QVERIFY(!data.value(QLatin1String("name")).toString().isEmpty());
            QVERIFY(data.value(QLatin1String("input")).isObject());
            QVERIFY(!data.value(QLatin1String("input")).toObject().isEmpty());
            openToolIds.append(data.value(QLatin1String("id")).toString());
        }
        if (type == u"tool_result") {
            const QString id = data.value(QLatin1String("tool_use_id")).toString();
            QVERIFY2(openToolIds.removeOne(id), "tool_result without a preceding tool_use");
            QVERIFY(data.value(QLatin1String("content")).isString());
        }
    }
    QVERIFY(deltas >= 3);
    QVERIFY(finalMessage);
    QVERIFY2(openToolIds.isEmpty(), "tool_use without a result");
}

} // namespace

class TestDemoProducer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void simulatedRunIsWellFormed();
    void simulatedRunUsesTools();
    void simulatedRunIsPacedLikeAnAgent();
    void sampleTranscriptLoads();
    void transcriptGetsDoneAppended();
    void badTranscripts_data();
    void badTranscripts();
    void producerPlaysRunInOrder();
    void producerPlaysTranscript();
    void producerStopsWhenRefused();
};

void TestDemoProducer::simulatedRunIsWellFormed()
{
    for (quint32 seed : { 1u, 2u, 12345u }) {
        QList<QPair<QString, QJsonValue>> events;
        for (const DemoStep &step : DemoScript::simulatedRun(QStringLiteral("hello"), seed)) {
            QVERIFY(step.delayMs >= 0);
            events.append({ eventTypeName(step.type), step.data });
        }
        verifyWellFormed(events);
        if (QTest::currentTestFailed())
            return;
    }
}

void TestDemoProducer::simulatedRunUsesTools()
{
    const auto steps = DemoScript::simulatedRun(QStringLiteral("x"), 7);
    QStringList tools;
    for (const DemoStep &step : steps) {
        if (step.type == EventType::ToolUse)
            tools.append(step.data.toObject().value(QLatin1String("name")).toString());
    }
    QCOMPARE(tools, (QStringList { QStringLiteral("read_file"), QStringLiteral("run_command") }));
    const QJsonObject readInput = [&] {
        for (const DemoStep &step : steps) {
            if (step.type == EventType::ToolUse)
                return step.data.toObject().value(QLatin1String("input")).toObject();
        }
        return QJsonObject();
    }();
    QVERIFY(readInput.value(QLatin1String("path")).toString().endsWith(u".cpp"));
}

void TestDemoProducer::simulatedRunIsPacedLikeAnAgent()
{
    qint64 total = 0;
    for (const DemoStep &step : DemoScript::simulatedRun(QStringLiteral("x"), 3))
        total += step.delayMs;
    // A few seconds at speed 1: long enough to watch, short enough for a demo.
    QVERIFY2(total >= 3000 && total <= 30000, qPrintable(QString::number(total)));
}

void TestDemoProducer::sampleTranscriptLoads()
{
    QString error;
    const auto steps = DemoScript::loadTranscript(QStringLiteral(SLUICE_SAMPLE_TRANSCRIPT), &error);
    QVERIFY2(steps, qPrintable(error));
    QList<QPair<QString, QJsonValue>> events;
    for (const DemoStep &step : *steps)
        events.append({ eventTypeName(step.type), step.data });
    verifyWellFormed(events);
}

void TestDemoProducer::transcriptGetsDoneAppended()
{
    QTemporaryDir dir;
    const QString path = writeFile(dir,
                                   "{\"type\":\"message\",\"data\":{\"delta\":\"hi\"}}\n\n"
                                   "{\"delay_ms\":5,\"type\":\"status\",\"data\":{}}\n");
    QString error;
    const auto steps = DemoScript::loadTranscript(path, &error);
    QVERIFY2(steps, qPrintable(error));
    QCOMPARE(steps->size(), 3);
    QCOMPARE(steps->at(0).delayMs, 0);
    QCOMPARE(steps->at(1).delayMs, 5);
    QCOMPARE(steps->at(2).type, EventType::Done);
}

void TestDemoProducer::badTranscripts_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected");
    QTest::newRow("empty") << QByteArray("\n\n") << QStringLiteral("holds no events");
    QTest::newRow("not json") << QByteArray("{\"type\":\"message\",\"data\":{}}\nnope\n")
                              << QStringLiteral("line 2: not a JSON object");
    QTest::newRow("unknown type") << QByteArray("{\"type\":\"shout\",\"data\":{}}")
                                  << QStringLiteral("line 1: \"type\" must be one of");
    QTest::newRow("negative delay")
        << QByteArray("{\"delay_ms\":-1,\"type\":\"message\",\"data\":{}}")
        << QStringLiteral("line 1: \"delay_ms\"");
    QTest::newRow("data not object") << QByteArray("{\"type\":\"message\",\"data\":\"x\"}")
                                     << QStringLiteral("line 1: \"data\" must be a JSON object");
    QTest::newRow("event after done") << QByteArray("{\"type\":\"done\",\"data\":{}}\n"
                                                    "{\"type\":\"message\",\"data\":{}}")
                                      << QStringLiteral("line 2: event after \"done\"");
}

void TestDemoProducer::badTranscripts()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QString error;
    QVERIFY(!DemoScript::loadTranscript(writeFile(dir, content), &error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY(!DemoScript::loadTranscript(dir.filePath(QStringLiteral("missing.jsonl")), &error));
    QVERIFY(error.contains(u"cannot read"));
}

void TestDemoProducer::producerPlaysRunInOrder()
{
    Metrics metrics;
    QList<Published> published;
    DemoProducer producer(
        [&](const QString &promptId, EventType type, const QJsonValue &data) {
            published.append({ promptId, eventTypeName(type), data });
            return true;
        },
        1000.0, {}, &metrics);
    QSignalSpy finished(&producer, &DemoProducer::runFinished);
    producer.start(prompt(QStringLiteral("p1")));
    producer.start(prompt(QStringLiteral("p1"))); // a second start of the same prompt is ignored
    producer.start(prompt(QStringLiteral("p2")));
    QCOMPARE(producer.activeRuns(), 2);
    QVERIFY(published.isEmpty()); // nothing is published synchronously from the creating request
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 60000);
    QCOMPARE(finished.at(0).at(1).toBool(), true);
    QCOMPARE(finished.at(1).at(1).toBool(), true);
    QCOMPARE(producer.activeRuns(), 0);

    const auto expected = DemoScript::simulatedRun(prompt(QStringLiteral("p1")).text,
                                                   quint32(qHash(QStringLiteral("p1"))));
    QList<QPair<QString, QJsonValue>> p1;
    for (const Published &event : published) {
        if (event.promptId == u"p1")
            p1.append({ event.type, event.data });
    }
    QCOMPARE(p1.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        QCOMPARE(p1.at(i).first, eventTypeName(expected.at(i).type));
        QCOMPARE(p1.at(i).second, expected.at(i).data);
    }
    verifyWellFormed(p1);
    QCOMPARE(metrics.value("sluice_demo_runs_total", { { "outcome", "completed" } }), 2.0);
}

void TestDemoProducer::producerPlaysTranscript()
{
    QString error;
    const auto steps = DemoScript::loadTranscript(QStringLiteral(SLUICE_SAMPLE_TRANSCRIPT), &error);
    QVERIFY2(steps, qPrintable(error));
    QStringList types;
    DemoProducer producer(
        [&](const QString &, EventType type, const QJsonValue &) {
            types.append(eventTypeName(type));
            return true;
        },
        100.0, *steps);
    QSignalSpy finished(&producer, &DemoProducer::runFinished);
    producer.start(prompt(QStringLiteral("p")));
    QVERIFY(finished.wait(60000));
    QStringList expected;
    for (const DemoStep &step : *steps)
        expected.append(eventTypeName(step.type));
    QCOMPARE(types, expected);
}

void TestDemoProducer::producerStopsWhenRefused()
{
    Metrics metrics;
    int calls = 0;
    DemoProducer producer(
        [&](const QString &, EventType, const QJsonValue &) { return ++calls < 3; }, 1000.0, {},
        &metrics);
    QSignalSpy finished(&producer, &DemoProducer::runFinished);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("stopped: an event was refused")));
    producer.start(prompt(QStringLiteral("p")));
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.at(0).at(1).toBool(), false);
    QCOMPARE(calls, 3);
    QCOMPARE(metrics.value("sluice_demo_runs_total", { { "outcome", "aborted" } }), 1.0);
}

QTEST_GUILESS_MAIN(TestDemoProducer)
#include "tst_demoproducer.moc"
