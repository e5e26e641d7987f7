// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "timelinedelegate.h"

#include "themecolors.h"
#include "timelineentry.h"
#include "timelinemodel.h"

#include <QtCore/QDateTime>
#include <QtGui/QAbstractTextDocumentLayout>
#include <QtGui/QFontDatabase>
#include <QtGui/QMouseEvent>
#include <QtGui/QPainter>
#include <QtGui/QTextCursor>
#include <QtGui/QTextDocument>
#include <QtWidgets/QAbstractItemView>
#include <QtWidgets/QApplication>

#include <cmath>

namespace SluiceViewer {

namespace {

constexpr int outerH = 8; // between the row and the view's edges
constexpr int outerV = 3; // half the gap between rows
constexpr int pad = 8; // inside a card
constexpr int bodyGap = 4; // between header and body
constexpr qreal radius = 6;
// Markdown of longer texts would be laid out again on every delta; plain text is enough there.
constexpr qsizetype maxMarkdownChars = 50000;

using Kind = TimelineEntry::Kind;

struct Colors
{
    QColor text, muted, cardBackground, cardBorder, accent, errorBackground, errorText,
        doneBackground;

    explicit Colors(const QPalette &p)
    {
        const QColor base = p.color(QPalette::Base);
        text = p.color(QPalette::Text);
        muted = mixColors(text, base, 0.45);
        cardBackground = mixColors(base, text, 0.05);
        cardBorder = mixColors(base, text, 0.22);
        accent = p.color(QPalette::Highlight);
        errorBackground = errorBackgroundColor(p);
        errorText = errorTextColor(p);
        doneBackground = mixColors(base, accent, 0.12);
    }
};

bool hasFrame(Kind kind)
{
    return kind != Kind::Text && kind != Kind::Status;
}

bool hasBody(Kind kind)
{
    return kind != Kind::Status;
}

QString glyph(Kind kind, bool expanded)
{
    switch (kind) {
    case Kind::Tool:
    case Kind::ToolResult:
        return expanded ? QStringLiteral("▾") : QStringLiteral("▸");
    case Kind::Status:
        return QStringLiteral("●");
    case Kind::Error:
        return QStringLiteral("⚠");
    case Kind::Done:
        return QStringLiteral("✔");
    case Kind::Text:
    case Kind::Other:
        break;
    }
    return {};
}

QString title(const QModelIndex &index, Kind kind)
{
    switch (kind) {
    case Kind::Text:
        return index.data(TimelineModel::FinalRole).toBool() ? QStringLiteral("Message · final")
                                                             : QStringLiteral("Message");
    case Kind::Tool:
        return index.data(TimelineModel::ToolNameRole).toString();
    case Kind::ToolResult:
        return QStringLiteral("Result of %1 (its tool call is not in this timeline)")
            .arg(index.data(TimelineModel::ToolUseIdRole).toString());
    case Kind::Status:
        return QStringLiteral("Status: %1").arg(index.data(TimelineModel::TextRole).toString());
    case Kind::Error:
        return QStringLiteral("Error");
    case Kind::Done:
        return QStringLiteral("Done");
    case Kind::Other:
        return index.data(TimelineModel::EventTypeRole).toString();
    }
    return {};
}

QRect frameRect(const QRect &itemRect)
{
    return itemRect.adjusted(outerH, outerV, -outerH, -outerV);
}

QRect headerRect(const QRect &itemRect, int headerHeight)
{
    const QRect frame = frameRect(itemRect);
    return { frame.left() + pad, frame.top() + pad / 2, frame.width() - 2 * pad, headerHeight };
}

} // namespace

struct TimelineDelegate::Body
{
    int revision = -1;
    int width = -1;
    qint64 paletteKey = 0;
    std::unique_ptr<QTextDocument> document;
};

TimelineDelegate::TimelineDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
    , m_bodies(300)
{ }

TimelineDelegate::~TimelineDelegate() = default;

QFont TimelineDelegate::fixedFont(const QFont &base) const
{
    QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    // The system's fixed font is often a size larger than its proportional one.
    if (base.pointSizeF() > 0)
        fixed.setPointSizeF(base.pointSizeF() * 0.95);
    return fixed;
}

int TimelineDelegate::bodyWidth(const QStyleOptionViewItem &option) const
{
    int rowWidth = option.rect.width();
    if (const auto *view = qobject_cast<const QAbstractItemView *>(option.widget))
        rowWidth = view->viewport()->width();
    return std::max(120, rowWidth - 2 * outerH - 2 * pad);
}

int TimelineDelegate::headerHeight(const QStyleOptionViewItem &option) const
{
    return option.fontMetrics.height() + 4;
}

std::unique_ptr<QTextDocument> TimelineDelegate::buildBody(const QStyleOptionViewItem &option,
                                                           const QModelIndex &index) const
{
    auto doc = std::make_unique<QTextDocument>();
    doc->setDocumentMargin(0);
    doc->setDefaultFont(option.font);
    const Colors colors(option.palette);
    const auto kind = Kind(index.data(TimelineModel::KindRole).toInt());
    const QString text = index.data(TimelineModel::TextRole).toString();
    const QFont fixed = fixedFont(option.font);

    if (kind == Kind::Text) {
        if (text.size() <= maxMarkdownChars)
            doc->setMarkdown(text, QTextDocument::MarkdownDialectGitHub);
        else
            doc->setPlainText(text);
        return doc;
    }
    QTextCursor cursor(doc.get());
    QTextCharFormat plain;
    QTextCharFormat mono;
    mono.setFont(fixed);
    mono.setFontFixedPitch(true);
    if (kind != Kind::Tool && kind != Kind::ToolResult) {
        cursor.insertText(text, kind == Kind::Other ? mono : plain);
        return doc;
    }

    QTextCharFormat label;
    label.setFontWeight(QFont::Bold);
    label.setForeground(colors.muted);
    const bool expanded = index.data(TimelineModel::ExpandedRole).toBool();
    const QString input = index.data(TimelineModel::ToolInputRole).toString();
    const bool hasResult = index.data(TimelineModel::HasResultRole).toBool();
    const bool isError = index.data(TimelineModel::ResultIsErrorRole).toBool();
    const QString result = index.data(TimelineModel::ResultTextRole).toString();
    QTextCharFormat resultFormat = mono;
    QTextBlockFormat resultBlock;
    QTextCharFormat resultLabel = label;
    if (isError) {
        resultBlock.setBackground(colors.errorBackground);
        resultLabel.setForeground(colors.errorText);
    }

    if (!expanded) {
        // One line each: what went in, what came out.
        if (kind == Kind::Tool)
            cursor.insertText(input.simplified(), mono);
        if (kind == Kind::Tool)
            cursor.insertBlock();
        if (!hasResult) {
            cursor.insertText(QStringLiteral("waiting for the result…"), label);
        } else {
            cursor.insertText(isError ? QStringLiteral("error: ") : QStringLiteral("result: "),
                              resultLabel);
            cursor.insertText(result.section(u'\n', 0, 0).left(300), resultFormat);
        }
        QTextOption noWrap = doc->defaultTextOption();
        noWrap.setWrapMode(QTextOption::NoWrap);
        doc->setDefaultTextOption(noWrap);
        return doc;
    }

    if (kind == Kind::Tool) {
        cursor.insertText(QStringLiteral("Input"), label);
        cursor.insertBlock();
        cursor.insertText(input, mono);
        cursor.insertBlock();
    }
    if (!hasResult) {
        QTextCharFormat waiting = label;
        waiting.setFontItalic(true);
        waiting.setFontWeight(QFont::Normal);
        cursor.insertText(QStringLiteral("Waiting for the result…"), waiting);
        return doc;
    }
    cursor.insertText(isError ? QStringLiteral("Error") : QStringLiteral("Result"), resultLabel);
    cursor.insertBlock(resultBlock);
    QStringList lines = result.split(u'\n');
    while (!lines.isEmpty() && lines.constLast().isEmpty())
        lines.removeLast();
    const qsizetype cut = lines.size() - maxResultLines;
    if (cut > 0)
        lines.resize(maxResultLines);
    cursor.insertText(lines.join(u'\n'), resultFormat);
    if (cut > 0) {
        cursor.insertBlock(QTextBlockFormat());
        cursor.insertText(
            QStringLiteral("… %1 more lines (Ctrl+C copies the whole event)").arg(cut), label);
    }
    return doc;
}

QTextDocument *TimelineDelegate::body(const QStyleOptionViewItem &option, const QModelIndex &index,
                                      int width) const
{
    const int key = index.data(TimelineModel::KeyRole).toInt();
    const int revision = index.data(TimelineModel::RevisionRole).toInt();
    Body *cached = m_bodies.object(key);
    if (!cached || cached->revision != revision
        || cached->paletteKey != option.palette.cacheKey()) {
        auto fresh = std::make_unique<Body>();
        fresh->revision = revision;
        fresh->paletteKey = option.palette.cacheKey();
        fresh->document = buildBody(option, index);
        cached = fresh.get();
        m_bodies.insert(key, fresh.release());
    }
    if (cached->width != width) {
        cached->document->setTextWidth(width);
        cached->width = width;
    }
    return cached->document.get();
}

QSize TimelineDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const int key = index.data(TimelineModel::KeyRole).toInt();
    const int revision = index.data(TimelineModel::RevisionRole).toInt();
    const int width = bodyWidth(option);
    const auto it = m_sizes.constFind(key);
    if (it != m_sizes.cend() && it->revision == revision && it->width == width)
        return it->size;

    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const auto kind = Kind(index.data(TimelineModel::KindRole).toInt());
    int height = pad / 2 + headerHeight(opt) + pad / 2;
    if (hasBody(kind)) {
        const QTextDocument *doc = body(opt, index, width);
        height += bodyGap + int(std::ceil(doc->size().height()));
    }
    const QSize size(width + 2 * outerH + 2 * pad, height + 2 * outerV);
    m_sizes.insert(key, { revision, width, size });
    return size;
}

void TimelineDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const Colors colors(opt.palette);
    const auto kind = Kind(index.data(TimelineModel::KindRole).toInt());
    const bool expanded = index.data(TimelineModel::ExpandedRole).toBool();
    const bool isError = kind == Kind::Error
        || (index.data(TimelineModel::HasResultRole).toBool()
            && index.data(TimelineModel::ResultIsErrorRole).toBool());
    const QRect frame = frameRect(opt.rect);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF frameF = QRectF(frame).adjusted(0.5, 0.5, -0.5, -0.5);
    if (hasFrame(kind)) {
        QColor background = colors.cardBackground;
        QColor border = colors.cardBorder;
        if (isError) {
            background = kind == Kind::Error ? colors.errorBackground : colors.cardBackground;
            border = colors.errorText;
        } else if (kind == Kind::Done) {
            background = colors.doneBackground;
            border = colors.accent;
        }
        painter->setPen(QPen(border, 1));
        painter->setBrush(background);
        painter->drawRoundedRect(frameF, radius, radius);
    } else if (kind == Kind::Text) {
        // An accent bar tells the agent's words from the events around them.
        painter->fillRect(QRect(frame.left(), frame.top() + 2, 3, frame.height() - 4),
                          mixColors(colors.accent, opt.palette.color(QPalette::Base), 0.35));
    }
    if (opt.state & QStyle::State_Selected) {
        QColor fill = colors.accent;
        fill.setAlphaF(0.12f);
        painter->setPen(QPen(colors.accent, 2));
        painter->setBrush(fill);
        painter->drawRoundedRect(frameF, radius, radius);
    }

    // Header: glyph and title on the left, the time on the right.
    const QRect header = headerRect(opt.rect, headerHeight(opt));
    const QString time
        = index.data(TimelineModel::TimeRole).toDateTime().toString(QStringLiteral("HH:mm:ss"));
    const int timeWidth = opt.fontMetrics.horizontalAdvance(time) + pad;
    painter->setPen(colors.muted);
    painter->drawText(header, Qt::AlignRight | Qt::AlignVCenter, time);
    QFont titleFont = opt.font;
    if (kind != Kind::Status)
        titleFont.setBold(true);
    painter->setFont(titleFont);
    QString head = glyph(kind, expanded);
    if (!head.isEmpty())
        head += u' ';
    head += title(index, kind);
    QRect titleRect = header.adjusted(0, 0, -timeWidth, 0);
    painter->setPen(kind == Kind::Error        ? colors.errorText
                        : kind == Kind::Status ? colors.muted
                                               : colors.text);
    const QFontMetrics titleMetrics(titleFont);
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
                      titleMetrics.elidedText(head, Qt::ElideRight, titleRect.width()));
    if (kind == Kind::Tool) {
        // The call's id after its name, quieter: for matching against logs.
        const int used = titleMetrics.horizontalAdvance(head) + pad;
        if (used < titleRect.width()) {
            const QFont idFont = fixedFont(opt.font);
            painter->setFont(idFont);
            painter->setPen(colors.muted);
            const QRect idRect = titleRect.adjusted(used, 0, 0, 0);
            painter->drawText(
                idRect, Qt::AlignLeft | Qt::AlignVCenter,
                QFontMetrics(idFont).elidedText(index.data(TimelineModel::ToolUseIdRole).toString(),
                                                Qt::ElideRight, idRect.width()));
        }
    }

    if (hasBody(kind)) {
        const int width = bodyWidth(opt);
        QTextDocument *doc = body(opt, index, width);
        const QRect bodyRect(header.left(), header.bottom() + 1 + bodyGap, width,
                             frame.bottom() - pad / 2 - header.bottom() - bodyGap);
        painter->setClipRect(bodyRect, Qt::IntersectClip);
        painter->translate(bodyRect.topLeft());
        QAbstractTextDocumentLayout::PaintContext context;
        context.palette = opt.palette;
        context.palette.setColor(QPalette::Text, colors.text);
        context.clip = QRectF(0, 0, bodyRect.width(), bodyRect.height());
        doc->documentLayout()->draw(painter, context);
    }
    painter->restore();

    if (opt.state & QStyle::State_HasFocus) {
        QStyleOptionFocusRect focus;
        focus.QStyleOption::operator=(opt);
        focus.rect = frame.adjusted(2, 2, -2, -2);
        focus.backgroundColor = opt.palette.color(QPalette::Base);
        const QWidget *widget = opt.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawPrimitive(QStyle::PE_FrameFocusRect, &focus, painter, widget);
    }
}

bool TimelineDelegate::editorEvent(QEvent *event, QAbstractItemModel *model,
                                   const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event->type() != QEvent::MouseButtonRelease)
        return QStyledItemDelegate::editorEvent(event, model, option, index);
    const auto kind = Kind(index.data(TimelineModel::KindRole).toInt());
    const auto *mouse = static_cast<QMouseEvent *>(event);
    if ((kind != Kind::Tool && kind != Kind::ToolResult) || mouse->button() != Qt::LeftButton
        || !headerRect(option.rect, headerHeight(option)).contains(mouse->position().toPoint()))
        return false;
    model->setData(index, !index.data(TimelineModel::ExpandedRole).toBool(),
                   TimelineModel::ExpandedRole);
    return true;
}

} // namespace SluiceViewer
