// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "timelinefiltermodel.h"

#include "timelinemodel.h"

namespace SluiceViewer {

TimelineFilterModel::TimelineFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    // Growing text rows and tool results arriving later change whether a row matches.
    setDynamicSortFilter(true);
}

TimelineFilterModel::Group TimelineFilterModel::groupOf(TimelineEntry::Kind kind)
{
    using Kind = TimelineEntry::Kind;
    switch (kind) {
    case Kind::Text:
        return Group::Messages;
    case Kind::Tool:
    case Kind::ToolResult:
        return Group::Tools;
    case Kind::Status:
        return Group::Status;
    case Kind::Error:
        return Group::Errors;
    case Kind::Done:
        return Group::Done;
    case Kind::Other:
        return Group::Other;
    }
    return Group::Other;
}

QString TimelineFilterModel::groupName(Group group)
{
    switch (group) {
    case Group::Messages:
        return QStringLiteral("Messages");
    case Group::Tools:
        return QStringLiteral("Tools");
    case Group::Status:
        return QStringLiteral("Status");
    case Group::Errors:
        return QStringLiteral("Errors");
    case Group::Done:
        return QStringLiteral("Done");
    case Group::Other:
        return QStringLiteral("Other");
    }
    return {};
}

QList<TimelineFilterModel::Group> TimelineFilterModel::allGroups()
{
    return {
        Group::Messages, Group::Tools, Group::Status, Group::Errors, Group::Done, Group::Other
    };
}

void TimelineFilterModel::setGroupShown(Group group, bool shown)
{
    if (isGroupShown(group) == shown)
        return;
    if (shown)
        m_hidden &= ~bit(group);
    else
        m_hidden |= bit(group);
    invalidateRowsFilter();
}

void TimelineFilterModel::setSearchText(const QString &text)
{
    if (m_search == text)
        return;
    m_search = text;
    invalidateRowsFilter();
}

bool TimelineFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const auto kind = TimelineEntry::Kind(index.data(TimelineModel::KindRole).toInt());
    if (!isGroupShown(groupOf(kind)))
        return false;
    if (m_search.isEmpty())
        return true;
    return index.data(TimelineModel::SearchTextRole)
        .toString()
        .contains(m_search, Qt::CaseInsensitive);
}

} // namespace SluiceViewer
