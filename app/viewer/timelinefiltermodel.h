// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "timelineentry.h"

#include <QtCore/QSortFilterProxyModel>

namespace SluiceViewer {

// The rows of a TimelineModel the user wants to see: by kind (the toolbar's type toggles) and
// by text (the search box: case-insensitive, anywhere in the row's text, tool input or result).
class TimelineFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    // The groups the type filter offers; a tool card belongs to Tools (as does a lone result).
    enum class Group { Messages, Tools, Status, Errors, Done, Other };
    Q_ENUM(Group)

    explicit TimelineFilterModel(QObject *parent = nullptr);

    static Group groupOf(TimelineEntry::Kind kind);
    static QString groupName(Group group);
    static QList<Group> allGroups();

    bool isGroupShown(Group group) const { return !(m_hidden & bit(group)); }
    void setGroupShown(Group group, bool shown);
    QString searchText() const { return m_search; }
    void setSearchText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    static quint32 bit(Group group) { return 1u << unsigned(group); }
    quint32 m_hidden = 0;
    QString m_search;
};

} // namespace SluiceViewer
