// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "streamstatus.h"
#include "timelinefiltermodel.h"

#include <Sluice/PromptStream.h>

#include <QtCore/QHash>
#include <QtCore/QTimer>
#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
class QToolButton;
QT_END_NAMESPACE

namespace Sluice {
class AuthSession;
}

namespace SluiceViewer {

class TimelineModel;
class TimelineView;

// One tab: a prompt's live stream (Sluice::PromptStream) shown as a timeline, with the type
// toggles and the search box above it and, while the user reads further up, a "Jump to live"
// bar below it.
class PromptView : public QWidget
{
    Q_OBJECT
public:
    PromptView(Sluice::AuthSession *session, const QString &sessionId, const QString &promptId,
               QWidget *parent = nullptr);
    ~PromptView() override;

    QString sessionId() const;
    QString promptId() const;
    void setMode(Sluice::PromptStream::Mode mode);
    Sluice::PromptStream *stream() const { return m_stream; }
    TimelineModel *model() const { return m_model; }
    TimelineFilterModel *filterModel() const { return m_filter; }
    TimelineView *view() const { return m_view; }
    QLineEdit *searchField() const { return m_search; }
    QToolButton *groupToggle(TimelineFilterModel::Group group) const;
    QPushButton *jumpToLiveButton() const { return m_jumpToLive; }
    const StreamStatus &status() const { return m_status; }
    bool isDone() const { return m_done; }

    // Writes every event received so far as JSON lines (eventjson.h) to `path`.
    bool exportTo(const QString &path, QString *error);
    // A file name for the export dialog.
    QString suggestedExportName() const;

public Q_SLOTS:
    void start();
    void stop();
    void focusSearch();
    void jumpToLive();
    void exportWithDialog();

Q_SIGNALS:
    // The stream's state, its reconnection countdown or its last event id changed.
    void statusChanged();
    // The prompt's `done` event arrived.
    void doneReceived();

private:
    void updateJumpBar();

    Sluice::PromptStream *m_stream;
    TimelineModel *m_model;
    TimelineFilterModel *m_filter;
    TimelineView *m_view;
    QLineEdit *m_search;
    QHash<int, QToolButton *> m_groupToggles;
    QWidget *m_jumpBar;
    QLabel *m_jumpLabel;
    QPushButton *m_jumpToLive;
    StreamStatus m_status;
    QTimer m_countdown; // ticks the "reconnecting in N s" text
    QTimer m_statusCoalesce; // one status update per burst of events, not one per event
    int m_unseenRows = 0;
    bool m_done = false;
};

} // namespace SluiceViewer
