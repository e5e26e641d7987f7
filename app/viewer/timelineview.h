// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtWidgets/QListView>

namespace SluiceViewer {

// The timeline's list: follows the live end while the user is there (new rows scroll into
// view) and stops following as soon as they scroll up, until jumpToLive() or they scroll back
// down. Ctrl+C copies the selected rows' events as JSON lines; Space or Return collapses and
// expands a tool card.
class TimelineView : public QListView
{
    Q_OBJECT
public:
    explicit TimelineView(QWidget *parent = nullptr);

    bool isFollowing() const { return m_following; }
    // The selected rows' events as JSON lines, in timeline order.
    QByteArray selectedJsonLines() const;

public Q_SLOTS:
    void jumpToLive();
    void copySelection();
    void toggleCurrentCard();

Q_SIGNALS:
    void followingChanged(bool following);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void updateGeometries() override;
    void dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                     const QList<int> &roles = QList<int>()) override;

private:
    void setFollowing(bool following);
    void scrolled(int value);

    bool m_following = true;
    bool m_layingOut = false; // scroll bar changes made by a layout pass, not by the user
};

} // namespace SluiceViewer
