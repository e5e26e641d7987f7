// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// TimelineModel (deltas assembled into one text row, the final text confirming it, tool results
// attached by id, duplicates and `connected` ignored, batches), TimelineFilterModel (groups,
// search) and the JSON lines of copy and export.
#include "eventjson.h"
#include "timelinefiltermodel.h"
#include "timelinemodel.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace SluiceViewer;
using namespace std::chrono_literals;
using Kind = TimelineEntry::Kind;

namespace {

Sluice::Event makeEvent(qint64 id, const QString &type, const QJsonObject &data)
{
    return Sluice::Event(type,
                         QString::fromUtf8(QJsonDocument(data).toJson(QJsonDocument::Compact)),
                         QString::number(id));
}

Sluice::Event delta(qint64 id, const QString &text)
{
    return makeEvent(id, QStringLiteral("message"), { { QStringLiteral("delta"), text } });
}

Sluice::Event toolUse(qint64 id, const QString &toolId, const QString &name)
{
    return makeEvent(id, QStringLiteral("tool_use"),
                     { { QStringLiteral("id"), toolId },
                       { QStringLiteral("name"), name },
                       { QStringLiteral("input"),
                         QJsonObject { { QStringLiteral("path"), QStringLiteral("a.cpp") },
                                       { QStringLiteral("limit"), 12 } } } });
}

Sluice::Event toolResult(qint64 id, const QString &toolId, const QString &content, bool isError)
{
    return makeEvent(id, QStringLiteral("tool_result"),
                     { { QStringLiteral("tool_use_id"), toolId },
                       { QStringLiteral("content"), content },
                       { QStringLiteral("is_error"), isError } });
}

// A small demo-like run: status, two words, a tool with its result, two words, the final
// text (with a paragraph break no delta carried), done.
QList<Sluice::Event> demoRun()
{
    return {
        makeEvent(1, QStringLiteral("status"),
                  { { QStringLiteral("state"), QStringLiteral("running") } }),
        delta(2, QStringLiteral("Let me ")),
        delta(3, QStringLiteral("look.")),
        toolUse(4, QStringLiteral("toolu_1"), QStringLiteral("read_file")),
        toolResult(5, QStringLiteral("toolu_1"), QStringLiteral("int main()\n{\n}\n"), false),
        delta(6, QStringLiteral("All ")),
        delta(7, QStringLiteral("good.")),
        makeEvent(8, QStringLiteral("message"),
                  { { QStringLiteral("text"), QStringLiteral("Let me look.\n\nAll good.") },
                    { QStringLiteral("final"), true } }),
        makeEvent(9, QStringLiteral("done"),
                  { { QStringLiteral("reason"), QStringLiteral("end_turn") },
                    { QStringLiteral("usage"),
                      QJsonObject { { QStringLiteral("input_tokens"), 10 },
                                    { QStringLiteral("output_tokens"), 4 } } } }),
    };
}

void feed(TimelineModel &model, const QList<Sluice::Event> &events)
{
    for (const Sluice::Event &e : events)
        model.appendEvent(e);
    while (model.pendingCount() > 0)
        model.flush();
}

} // namespace

class tst_TimelineModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void demoRunBecomesRows()
    {
        TimelineModel model;
        feed(model, demoRun());
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.entry(0).kind, Kind::Status);
        QCOMPARE(model.entry(0).text, QStringLiteral("running"));
        QCOMPARE(model.entry(1).kind, Kind::Text);
        QCOMPARE(model.entry(1).text, QStringLiteral("Let me look."));
        QVERIFY(!model.entry(1).final);
        QCOMPARE(model.entry(2).kind, Kind::Tool);
        QCOMPARE(model.entry(2).toolName, QStringLiteral("read_file"));
        QCOMPARE(model.entry(2).toolUseId, QStringLiteral("toolu_1"));
        QVERIFY(model.entry(2).toolInput.contains(QStringLiteral("\"path\": \"a.cpp\"")));
        QVERIFY(model.entry(2).toolInput.contains(u'\n')); // pretty-printed
        QVERIFY(model.entry(2).hasResult);
        QVERIFY(!model.entry(2).resultIsError);
        QCOMPARE(model.entry(2).resultText, QStringLiteral("int main()\n{\n}\n"));
        QCOMPARE(model.entry(2).events.size(), 2); // the tool_use and its tool_result
        // The final text says what the deltas said: it confirms the last text row.
        QCOMPARE(model.entry(3).kind, Kind::Text);
        QCOMPARE(model.entry(3).text, QStringLiteral("All good."));
        QVERIFY(model.entry(3).final);
        QCOMPARE(model.entry(3).events.size(), 3);
        QCOMPARE(model.entry(4).kind, Kind::Done);
        QCOMPARE(model.entry(4).text, QStringLiteral("end_turn · 10 input / 4 output tokens"));
        QCOMPARE(model.eventCount(), 9);
        QCOMPARE(model.lastEventId(), 9);
    }

    void finalTextNobodyStreamedIsItsOwnRow()
    {
        TimelineModel model;
        feed(model,
             { delta(1, QStringLiteral("Hello")),
               makeEvent(2, QStringLiteral("message"),
                         { { QStringLiteral("text"), QStringLiteral("Something else") },
                           { QStringLiteral("final"), true } }) });
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.entry(1).text, QStringLiteral("Something else"));
        QVERIFY(model.entry(1).final);
        QVERIFY(!model.entry(0).final);
    }

    void deltasGrowTheRowAcrossBatches()
    {
        TimelineModel model;
        model.appendEvent(delta(1, QStringLiteral("one ")));
        model.flush();
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.appendEvent(delta(2, QStringLiteral("two ")));
        model.appendEvent(delta(3, QStringLiteral("three")));
        model.flush();
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.entry(0).text, QStringLiteral("one two three"));
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(changed.count(), 1); // one notification per batch, not per delta
        QCOMPARE(model.entry(0).revision, 2);
        QCOMPARE(model.data(model.index(0), TimelineModel::EventIdsRole).toString(),
                 QStringLiteral("1–3"));
    }

    void toolResultFindsItsCardAcrossRows()
    {
        TimelineModel model;
        feed(model,
             { toolUse(1, QStringLiteral("a"), QStringLiteral("first")),
               toolUse(2, QStringLiteral("b"), QStringLiteral("second")),
               toolResult(3, QStringLiteral("a"), QStringLiteral("failed!"), true),
               toolResult(4, QStringLiteral("unknown"), QStringLiteral("lost"), false) });
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.entry(0).resultText, QStringLiteral("failed!"));
        QVERIFY(model.entry(0).resultIsError);
        QVERIFY(!model.entry(1).hasResult);
        QCOMPARE(model.entry(2).kind, Kind::ToolResult);
        QCOMPARE(model.entry(2).toolUseId, QStringLiteral("unknown"));
        QVERIFY(model.data(model.index(1), Qt::DisplayRole)
                    .toString()
                    .contains(QStringLiteral("waiting for its result")));
    }

    void duplicatesAndConnectedAreIgnored()
    {
        TimelineModel model;
        QList<Sluice::Event> events = demoRun();
        // What a resume could replay: `connected`, then events already shown, then new ones.
        feed(model, events.mid(0, 5));
        feed(model,
             QList<Sluice::Event> { Sluice::Event(QStringLiteral("connected"),
                                                  QStringLiteral("{\"lastEventId\":5}"),
                                                  QStringLiteral("5")) }
                 + events.mid(3));
        QCOMPARE(model.duplicatesIgnored(), 2); // 4 and 5; `connected` is not counted
        QCOMPARE(model.eventCount(), 9);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.entry(2).events.size(), 2);
        QCOMPARE(model.entry(3).text, QStringLiteral("All good."));
    }

    void batchesWaitForTheTimerAndAreCapped()
    {
        TimelineModel model;
        model.setBatchInterval(30ms);
        model.setMaxBatchEvents(10);
        QSignalSpy batches(&model, &TimelineModel::batchApplied);
        for (int i = 1; i <= 25; ++i)
            model.appendEvent(makeEvent(i, QStringLiteral("status"),
                                        { { QStringLiteral("state"), QString::number(i) } }));
        QCOMPARE(model.rowCount(), 0); // nothing before the timer
        QCOMPARE(model.pendingCount(), 25);
        QTRY_COMPARE(model.rowCount(), 25);
        QCOMPARE(batches.count(), 3);
        QCOMPARE(batches.at(0).at(0).toInt(), 10);
        QCOMPARE(batches.at(2).at(0).toInt(), 5);
    }

    void expandingACardBumpsItsRevision()
    {
        TimelineModel model;
        feed(model,
             { toolUse(1, QStringLiteral("a"), QStringLiteral("t")),
               delta(2, QStringLiteral("x")) });
        QVERIFY(model.entry(0).expanded);
        const int revision = model.entry(0).revision;
        QVERIFY(model.setData(model.index(0), false, TimelineModel::ExpandedRole));
        QVERIFY(!model.entry(0).expanded);
        QCOMPARE(model.entry(0).revision, revision + 1);
        QVERIFY(!model.setData(model.index(1), false, TimelineModel::ExpandedRole)); // not a card
    }

    void jsonLinesAreTheEventsOfTheRow()
    {
        TimelineModel model;
        feed(model, demoRun());
        const QByteArray lines
            = model.data(model.index(2), TimelineModel::JsonLinesRole).toByteArray();
        const QList<QByteArray> split = lines.trimmed().split('\n');
        QCOMPARE(split.size(), 2);
        const QJsonObject first = QJsonDocument::fromJson(split.at(0)).object();
        QCOMPARE(first.value(QStringLiteral("type")).toString(), QStringLiteral("tool_use"));
        QCOMPARE(first.value(QStringLiteral("id")).toString(), QStringLiteral("4"));
        const QJsonObject data
            = QJsonDocument::fromJson(first.value(QStringLiteral("data")).toString().toUtf8())
                  .object();
        QCOMPARE(data.value(QStringLiteral("name")).toString(), QStringLiteral("read_file"));
        QCOMPARE(eventJsonLines(model.events()).count('\n'), 9);
    }

    void filterByGroupAndText()
    {
        TimelineModel model;
        feed(model, demoRun());
        TimelineFilterModel filter;
        filter.setSourceModel(&model);
        QCOMPARE(filter.rowCount(), 5);
        filter.setGroupShown(TimelineFilterModel::Group::Tools, false);
        QCOMPARE(filter.rowCount(), 4);
        filter.setGroupShown(TimelineFilterModel::Group::Messages, false);
        QCOMPARE(filter.rowCount(), 2);
        filter.setGroupShown(TimelineFilterModel::Group::Tools, true);
        filter.setGroupShown(TimelineFilterModel::Group::Messages, true);
        filter.setSearchText(QStringLiteral("INT MAIN")); // a tool result, any case
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.index(0, 0).data(TimelineModel::KindRole).toInt(), int(Kind::Tool));
        filter.setSearchText(QStringLiteral("good"));
        QCOMPARE(filter.rowCount(), 1);
        // Rows that start matching later show up (dynamic filtering).
        model.appendEvent(delta(10, QStringLiteral("Goodbye")));
        model.flush();
        QCOMPARE(filter.rowCount(), 2);
        filter.setSearchText({});
        QCOMPARE(filter.rowCount(), 6);
    }
};

QTEST_GUILESS_MAIN(tst_TimelineModel)
#include "tst_timelinemodel.moc"
