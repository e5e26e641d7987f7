// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "timelineentry.h"

#include <Sluice/Event.h>

#include <QtCore/QAbstractListModel>
#include <QtCore/QHash>
#include <QtCore/QTimer>

#include <chrono>

namespace SluiceViewer {

// A prompt's events as timeline rows (TimelineEntry). Events are queued by appendEvent() and
// applied in batches on a short timer: a stream delivering 100 events per second costs the view
// ten inserts per second, not a hundred, and a replay of thousands of events is spread over
// several passes of the event loop. Message deltas grow one text row until another kind of event
// arrives; a tool_result is attached to the tool_use card with its id; events whose id is not
// newer than the last one applied (a replay after a reconnect) are ignored.
class TimelineModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        KindRole = Qt::UserRole + 1, // TimelineEntry::Kind as int
        KeyRole, // TimelineEntry::key
        RevisionRole,
        TextRole,
        TimeRole, // QDateTime of the first event
        FinalRole,
        EventTypeRole, // the first event's type
        ToolNameRole,
        ToolUseIdRole,
        ToolInputRole,
        HasResultRole,
        ResultTextRole,
        ResultIsErrorRole,
        ExpandedRole, // settable on cards
        SearchTextRole,
        JsonLinesRole, // QByteArray: the row's events as JSON lines
        EventIdsRole, // QString "7" or "7–19"
    };
    Q_ENUM(Role)

    explicit TimelineModel(QObject *parent = nullptr);
    ~TimelineModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Queues an event for the next batch. `connected` events are not part of the prompt's log
    // and are not shown.
    void appendEvent(const Sluice::Event &event);
    // Applies every queued event now (tests; export, so that nothing received is missing).
    void flush();

    std::chrono::milliseconds batchInterval() const;
    void setBatchInterval(std::chrono::milliseconds interval);
    // At most this many events per batch; the rest follow on the next pass of the event loop.
    int maxBatchEvents() const { return m_maxBatchEvents; }
    void setMaxBatchEvents(int count);

    const TimelineEntry &entry(int row) const { return m_rows.at(row); }
    // Every event applied, in order (the prompt's log as far as received).
    QList<Sluice::Event> events() const;
    int eventCount() const { return int(m_events.size()); }
    int pendingCount() const { return int(m_pending.size()); }
    // The id of the last event applied, 0 before any.
    qint64 lastEventId() const { return m_lastEventId; }
    int duplicatesIgnored() const { return m_duplicates; }
    QByteArray jsonLines(int row) const;

Q_SIGNALS:
    // A batch was applied: `events` events, `newRows` rows appended.
    void batchApplied(int events, int newRows);

private:
    struct ReceivedEvent
    {
        Sluice::Event event;
        QDateTime received;
    };
    struct Batch;

    void applyOne(const ReceivedEvent &received, Batch &batch);
    void applyMessage(const QJsonObject &data, int eventIndex, const QDateTime &when, Batch &batch);
    TimelineEntry &newEntry(TimelineEntry::Kind kind, int eventIndex, const QDateTime &when,
                            Batch &batch);
    TimelineEntry &entryAt(int row, Batch &batch);
    void touch(int row, int eventIndex, const QDateTime &when, Batch &batch);

    QList<TimelineEntry> m_rows;
    QList<ReceivedEvent> m_events;
    QList<ReceivedEvent> m_pending;
    QHash<QString, int> m_toolRows; // tool_use id -> row
    int m_openTextRow = -1; // the text row deltas go to, -1 after any other event
    int m_lastTextRow = -1; // the text row a final message may confirm
    QString m_streamedText; // every delta since the last final message
    qint64 m_lastEventId = 0;
    qint64 m_lastQueuedId = 0;
    int m_duplicates = 0;
    int m_maxBatchEvents = 400;
    QTimer m_batchTimer;
};

} // namespace SluiceViewer
