// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QCache>
#include <QtCore/QHash>
#include <QtGui/QFont>
#include <QtWidgets/QStyledItemDelegate>

#include <memory>

QT_BEGIN_NAMESPACE
class QTextDocument;
QT_END_NAMESPACE

namespace SluiceViewer {

// Paints TimelineModel rows: text rows as Markdown, tool calls as cards (name, id, input as
// pretty JSON in the system's fixed font, the result attached; a click on the header or Space
// collapses and expands), status / error / done rows with their time. Colours come from the
// palette (tints of Base, Text and Highlight), so light and dark themes both read well.
//
// Rows are laid out with QTextDocument, which is too slow to redo for every row on every
// layout pass of the view (the view asks for every row's size after each batch): sizes are
// cached per row, revision and width, documents for the rows last painted.
class TimelineDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit TimelineDelegate(QObject *parent = nullptr);
    ~TimelineDelegate() override;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // Tool results longer than this are cut in the card (copy the event for all of it).
    static constexpr int maxResultLines = 40;

protected:
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                     const QModelIndex &index) override;

private:
    struct Body;
    struct SizeEntry
    {
        int revision = -1;
        int width = -1;
        QSize size;
    };

    int bodyWidth(const QStyleOptionViewItem &option) const;
    int headerHeight(const QStyleOptionViewItem &option) const;
    // The row's body document at `width`, from the cache when it is current.
    QTextDocument *body(const QStyleOptionViewItem &option, const QModelIndex &index,
                        int width) const;
    std::unique_ptr<QTextDocument> buildBody(const QStyleOptionViewItem &option,
                                             const QModelIndex &index) const;
    QFont fixedFont(const QFont &base) const;

    mutable QHash<int, SizeEntry> m_sizes; // by row key
    mutable QCache<int, Body> m_bodies; // by row key
};

} // namespace SluiceViewer
