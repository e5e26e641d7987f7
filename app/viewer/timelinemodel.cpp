// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "timelinemodel.h"

#include "eventjson.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <climits>

namespace SluiceViewer {

using namespace std::chrono_literals;

namespace {

// Whether a final message says what the deltas said: the demo (and real agents) put paragraph
// breaks into the final text that no delta carried, so whitespace does not count.
QString withoutWhitespace(QStringView text)
{
    QString result;
    result.reserve(text.size());
    for (const QChar c : text) {
        if (!c.isSpace())
            result.append(c);
    }
    return result;
}

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString statusSummary(const QJsonObject &data)
{
    const QString state = data.value(QLatin1String("state")).toString();
    if (!state.isEmpty() && data.size() == 1)
        return state;
    return compactJson(data);
}

QString errorSummary(const QJsonObject &data)
{
    for (const QLatin1String key : { QLatin1String("message"), QLatin1String("error") }) {
        const QString text = data.value(key).toString();
        if (!text.isEmpty())
            return text;
    }
    return compactJson(data);
}

QString doneSummary(const QJsonObject &data)
{
    QString summary = data.value(QLatin1String("reason")).toString();
    const QJsonObject usage = data.value(QLatin1String("usage")).toObject();
    if (usage.contains(QLatin1String("input_tokens"))
        || usage.contains(QLatin1String("output_tokens"))) {
        if (!summary.isEmpty())
            summary += QStringLiteral(" · ");
        summary += QStringLiteral("%1 input / %2 output tokens")
                       .arg(usage.value(QLatin1String("input_tokens")).toInteger())
                       .arg(usage.value(QLatin1String("output_tokens")).toInteger());
    }
    return summary.isEmpty() ? compactJson(data) : summary;
}

} // namespace

struct TimelineModel::Batch
{
    int firstNewRow = 0; // rows at and after this index are in `added`
    QList<TimelineEntry> added;
    int firstChanged = INT_MAX; // among the rows that existed before the batch
    int lastChanged = -1;
};

TimelineModel::TimelineModel(QObject *parent)
    : QAbstractListModel(parent)
{
    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(100ms);
    connect(&m_batchTimer, &QTimer::timeout, this, &TimelineModel::flush);
}

TimelineModel::~TimelineModel() = default;

std::chrono::milliseconds TimelineModel::batchInterval() const
{
    return m_batchTimer.intervalAsDuration();
}

void TimelineModel::setBatchInterval(std::chrono::milliseconds interval)
{
    m_batchTimer.setInterval(interval);
}

void TimelineModel::setMaxBatchEvents(int count)
{
    m_maxBatchEvents = std::max(1, count);
}

int TimelineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

Qt::ItemFlags TimelineModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
}

QHash<int, QByteArray> TimelineModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(KindRole, "kind");
    names.insert(TextRole, "text");
    names.insert(TimeRole, "time");
    names.insert(ToolNameRole, "toolName");
    names.insert(ToolInputRole, "toolInput");
    names.insert(ResultTextRole, "resultText");
    names.insert(ResultIsErrorRole, "resultIsError");
    names.insert(ExpandedRole, "expanded");
    return names;
}

QVariant TimelineModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TimelineEntry &e = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        return e.summary();
    case Qt::ToolTipRole:
        return QStringLiteral("%1 · event %2 · %3")
            .arg(e.type, data(index, EventIdsRole).toString(),
                 e.time.toString(QStringLiteral("HH:mm:ss.zzz")));
    case KindRole:
        return int(e.kind);
    case KeyRole:
        return e.key;
    case RevisionRole:
        return e.revision;
    case TextRole:
        return e.text;
    case TimeRole:
        return e.time;
    case FinalRole:
        return e.final;
    case EventTypeRole:
        return e.type;
    case ToolNameRole:
        return e.toolName;
    case ToolUseIdRole:
        return e.toolUseId;
    case ToolInputRole:
        return e.toolInput;
    case HasResultRole:
        return e.hasResult;
    case ResultTextRole:
        return e.resultText;
    case ResultIsErrorRole:
        return e.resultIsError;
    case ExpandedRole:
        return e.expanded;
    case SearchTextRole:
        return e.searchText();
    case JsonLinesRole:
        return jsonLines(index.row());
    case EventIdsRole: {
        const QString first = m_events.at(e.events.constFirst()).event.lastEventId();
        const QString last = m_events.at(e.events.constLast()).event.lastEventId();
        return first == last ? first : QStringLiteral("%1–%2").arg(first, last);
    }
    default:
        return {};
    }
}

bool TimelineModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != ExpandedRole
        || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    TimelineEntry &e = m_rows[index.row()];
    if (!e.isCard() || e.expanded == value.toBool())
        return false;
    e.expanded = value.toBool();
    ++e.revision;
    Q_EMIT dataChanged(index, index, { ExpandedRole, RevisionRole });
    return true;
}

QList<Sluice::Event> TimelineModel::events() const
{
    QList<Sluice::Event> result;
    result.reserve(m_events.size());
    for (const ReceivedEvent &received : m_events)
        result.append(received.event);
    return result;
}

QByteArray TimelineModel::jsonLines(int row) const
{
    QByteArray lines;
    for (const int eventIndex : m_rows.at(row).events)
        lines.append(eventJsonLine(m_events.at(eventIndex).event));
    return lines;
}

void TimelineModel::appendEvent(const Sluice::Event &event)
{
    if (event.type() == QLatin1String("connected"))
        return;
    // Ids are the prompt's log sequence numbers: anything not newer was shown already.
    bool numeric = false;
    const qint64 id = event.lastEventId().toLongLong(&numeric);
    if (numeric) {
        if (id <= m_lastQueuedId) {
            ++m_duplicates;
            return;
        }
        m_lastQueuedId = id;
    }
    m_pending.append({ event, QDateTime::currentDateTime() });
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void TimelineModel::flush()
{
    m_batchTimer.stop();
    if (m_pending.isEmpty())
        return;
    const qsizetype take = std::min<qsizetype>(m_pending.size(), m_maxBatchEvents);
    Batch batch;
    batch.firstNewRow = int(m_rows.size());
    for (qsizetype i = 0; i < take; ++i)
        applyOne(m_pending.at(i), batch);
    m_pending.remove(0, take);

    if (batch.firstChanged <= batch.lastChanged)
        Q_EMIT dataChanged(index(batch.firstChanged), index(batch.lastChanged));
    const int newRows = int(batch.added.size());
    if (newRows > 0) {
        beginInsertRows({}, batch.firstNewRow, batch.firstNewRow + newRows - 1);
        m_rows.append(std::move(batch.added));
        endInsertRows();
    }
    Q_EMIT batchApplied(int(take), newRows);
    if (!m_pending.isEmpty())
        QTimer::singleShot(0, this, [this] {
            if (!m_pending.isEmpty() && !m_batchTimer.isActive())
                flush();
        });
}

TimelineEntry &TimelineModel::entryAt(int row, Batch &batch)
{
    return row < batch.firstNewRow ? m_rows[row] : batch.added[row - batch.firstNewRow];
}

TimelineEntry &TimelineModel::newEntry(TimelineEntry::Kind kind, int eventIndex,
                                       const QDateTime &when, Batch &batch)
{
    TimelineEntry entry;
    entry.kind = kind;
    entry.key = eventIndex;
    entry.events.append(eventIndex);
    entry.time = when;
    entry.updated = when;
    entry.type = m_events.at(eventIndex).event.type();
    batch.added.append(std::move(entry));
    return batch.added.last();
}

void TimelineModel::touch(int row, int eventIndex, const QDateTime &when, Batch &batch)
{
    TimelineEntry &entry = entryAt(row, batch);
    entry.events.append(eventIndex);
    entry.updated = when;
    ++entry.revision;
    if (row < batch.firstNewRow) {
        batch.firstChanged = std::min(batch.firstChanged, row);
        batch.lastChanged = std::max(batch.lastChanged, row);
    }
}

void TimelineModel::applyOne(const ReceivedEvent &received, Batch &batch)
{
    const int eventIndex = int(m_events.size());
    m_events.append(received);
    bool numeric = false;
    const qint64 id = received.event.lastEventId().toLongLong(&numeric);
    if (numeric)
        m_lastEventId = id;

    const QString type = received.event.type();
    const QJsonObject data = QJsonDocument::fromJson(received.event.data().toUtf8()).object();
    const QDateTime &when = received.received;
    const int nextRow = batch.firstNewRow + int(batch.added.size());
    using Kind = TimelineEntry::Kind;

    if (type == QLatin1String("message")) {
        applyMessage(data, eventIndex, when, batch);
        return;
    }
    m_openTextRow = -1;
    if (type == QLatin1String("tool_use")) {
        TimelineEntry &e = newEntry(Kind::Tool, eventIndex, when, batch);
        e.toolUseId = data.value(QLatin1String("id")).toString();
        e.toolName = data.value(QLatin1String("name")).toString();
        e.toolInput = QString::fromUtf8(QJsonDocument(data.value(QLatin1String("input")).toObject())
                                            .toJson(QJsonDocument::Indented))
                          .trimmed();
        if (!e.toolUseId.isEmpty())
            m_toolRows.insert(e.toolUseId, nextRow);
    } else if (type == QLatin1String("tool_result")) {
        const QString toolUseId = data.value(QLatin1String("tool_use_id")).toString();
        const QString content = TimelineEntry::contentText(data.value(QLatin1String("content")));
        const bool isError = data.value(QLatin1String("is_error")).toBool();
        const int toolRow = m_toolRows.value(toolUseId, -1);
        if (toolRow >= 0) {
            TimelineEntry &e = entryAt(toolRow, batch);
            // A second answer for the same call is kept, not lost.
            if (e.hasResult) {
                e.resultText += u'\n';
                e.resultText += content;
            } else {
                e.resultText = content;
            }
            e.resultIsError = e.resultIsError || isError;
            e.hasResult = true;
            touch(toolRow, eventIndex, when, batch);
        } else {
            TimelineEntry &e = newEntry(Kind::ToolResult, eventIndex, when, batch);
            e.toolUseId = toolUseId;
            e.hasResult = true;
            e.resultText = content;
            e.resultIsError = isError;
        }
    } else if (type == QLatin1String("status")) {
        newEntry(Kind::Status, eventIndex, when, batch).text = statusSummary(data);
    } else if (type == QLatin1String("error")) {
        newEntry(Kind::Error, eventIndex, when, batch).text = errorSummary(data);
    } else if (type == QLatin1String("done")) {
        newEntry(Kind::Done, eventIndex, when, batch).text = doneSummary(data);
    } else {
        newEntry(Kind::Other, eventIndex, when, batch).text = received.event.data();
    }
}

void TimelineModel::applyMessage(const QJsonObject &data, int eventIndex, const QDateTime &when,
                                 Batch &batch)
{
    using Kind = TimelineEntry::Kind;
    const int nextRow = batch.firstNewRow + int(batch.added.size());
    const QJsonValue delta = data.value(QLatin1String("delta"));
    if (delta.isString()) {
        m_streamedText += delta.toString();
        if (m_openTextRow >= 0) {
            entryAt(m_openTextRow, batch).text += delta.toString();
            touch(m_openTextRow, eventIndex, when, batch);
        } else {
            newEntry(Kind::Text, eventIndex, when, batch).text = delta.toString();
            m_openTextRow = m_lastTextRow = nextRow;
        }
        return;
    }
    m_openTextRow = -1;
    const QJsonValue text = data.value(QLatin1String("text"));
    if (!text.isString()) {
        newEntry(Kind::Other, eventIndex, when, batch).text = compactJson(data);
        return;
    }
    const bool final = data.value(QLatin1String("final")).toBool();
    // The final text repeats what the deltas said: confirm the last text row instead of
    // showing everything twice.
    if (final && m_lastTextRow >= 0
        && withoutWhitespace(text.toString()) == withoutWhitespace(m_streamedText)) {
        entryAt(m_lastTextRow, batch).final = true;
        touch(m_lastTextRow, eventIndex, when, batch);
    } else {
        TimelineEntry &e = newEntry(Kind::Text, eventIndex, when, batch);
        e.text = text.toString();
        e.final = final;
        m_lastTextRow = nextRow;
    }
    if (final)
        m_streamedText.clear();
}

} // namespace SluiceViewer
