// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "timelineview.h"

#include "timelinemodel.h"

#include <QtGui/QClipboard>
#include <QtGui/QContextMenuEvent>
#include <QtGui/QGuiApplication>
#include <QtGui/QKeyEvent>
#include <QtWidgets/QMenu>
#include <QtWidgets/QScrollBar>

#include <algorithm>

namespace SluiceViewer {

namespace {

// Within this many pixels of the end counts as "at the live end".
constexpr int followSlack = 4;

} // namespace

TimelineView::TimelineView(QWidget *parent)
    : QListView(parent)
{
    setUniformItemSizes(false);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    // Row heights depend on the width: a scroll bar that comes and goes would lay every row
    // out twice (and could oscillate).
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setResizeMode(QListView::Adjust);
    // One pass: a batched layout shrinks the scroll range while it runs, which would read as
    // the user scrolling up.
    setLayoutMode(QListView::SinglePass);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setMouseTracking(false);
    verticalScrollBar()->setSingleStep(24);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &TimelineView::scrolled);
}

void TimelineView::setFollowing(bool following)
{
    if (m_following == following)
        return;
    m_following = following;
    Q_EMIT followingChanged(following);
}

void TimelineView::scrolled(int value)
{
    if (m_layingOut)
        return;
    setFollowing(value >= verticalScrollBar()->maximum() - followSlack);
}

void TimelineView::jumpToLive()
{
    setFollowing(true);
    scrollToBottom();
}

void TimelineView::updateGeometries()
{
    m_layingOut = true;
    QListView::updateGeometries();
    if (m_following)
        verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    m_layingOut = false;
}

void TimelineView::dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                               const QList<int> &roles)
{
    QListView::dataChanged(topLeft, bottomRight, roles);
    // QListView keeps an item's size when its data changes; a growing text row must grow.
    scheduleDelayedItemsLayout();
}

QByteArray TimelineView::selectedJsonLines() const
{
    QModelIndexList rows
        = selectionModel() ? selectionModel()->selectedIndexes() : QModelIndexList();
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QByteArray lines;
    for (const QModelIndex &index : std::as_const(rows))
        lines.append(index.data(TimelineModel::JsonLinesRole).toByteArray());
    return lines;
}

void TimelineView::copySelection()
{
    const QByteArray lines = selectedJsonLines();
    if (!lines.isEmpty())
        QGuiApplication::clipboard()->setText(QString::fromUtf8(lines));
}

void TimelineView::toggleCurrentCard()
{
    const QModelIndex index = currentIndex();
    const auto kind = TimelineEntry::Kind(index.data(TimelineModel::KindRole).toInt());
    if (!index.isValid()
        || (kind != TimelineEntry::Kind::Tool && kind != TimelineEntry::Kind::ToolResult))
        return;
    model()->setData(index, !index.data(TimelineModel::ExpandedRole).toBool(),
                     TimelineModel::ExpandedRole);
}

void TimelineView::keyPressEvent(QKeyEvent *event)
{
    if (event == QKeySequence::Copy) {
        copySelection();
        event->accept();
        return;
    }
    if (event->key() == Qt::Key_Space || event->key() == Qt::Key_Return
        || event->key() == Qt::Key_Enter) {
        toggleCurrentCard();
        event->accept();
        return;
    }
    QListView::keyPressEvent(event);
}

void TimelineView::contextMenuEvent(QContextMenuEvent *event)
{
    const QModelIndex index = indexAt(event->pos());
    if (!index.isValid())
        return;
    if (!selectionModel()->isSelected(index))
        setCurrentIndex(index);
    QMenu menu(this);
    QAction *copy
        = menu.addAction(QStringLiteral("Copy Event JSON"), this, &TimelineView::copySelection);
    copy->setShortcut(QKeySequence::Copy);
    const auto kind = TimelineEntry::Kind(index.data(TimelineModel::KindRole).toInt());
    if (kind == TimelineEntry::Kind::Tool || kind == TimelineEntry::Kind::ToolResult) {
        const bool expanded = index.data(TimelineModel::ExpandedRole).toBool();
        QAction *toggle = menu.addAction(expanded ? QStringLiteral("Collapse Card")
                                                  : QStringLiteral("Expand Card"),
                                         this, &TimelineView::toggleCurrentCard);
        toggle->setShortcut(Qt::Key_Space);
    }
    menu.exec(event->globalPos());
}

} // namespace SluiceViewer
