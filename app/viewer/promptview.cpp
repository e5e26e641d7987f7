// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "promptview.h"

#include "eventjson.h"
#include "logging.h"
#include "timelinedelegate.h"
#include "timelinemodel.h"
#include "timelineview.h"

#include <Sluice/AuthSession.h>

#include <QtCore/QSaveFile>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

namespace SluiceViewer {

using namespace std::chrono_literals;

PromptView::PromptView(Sluice::AuthSession *session, const QString &sessionId,
                       const QString &promptId, QWidget *parent)
    : QWidget(parent)
    , m_stream(new Sluice::PromptStream(session, sessionId, promptId, this))
    , m_model(new TimelineModel(this))
    , m_filter(new TimelineFilterModel(this))
    , m_view(new TimelineView(this))
    , m_search(new QLineEdit(this))
    , m_jumpBar(new QWidget(this))
    , m_jumpLabel(new QLabel(m_jumpBar))
    , m_jumpToLive(new QPushButton(QStringLiteral("Jump to Live"), m_jumpBar))
{
    m_filter->setSourceModel(m_model);
    m_view->setModel(m_filter);
    m_view->setItemDelegate(new TimelineDelegate(m_view));
    m_view->setAccessibleName(QStringLiteral("Timeline of prompt %1").arg(promptId));

    // Filter bar: search on the left, one toggle per event group on the right.
    auto *filterBar = new QHBoxLayout;
    m_search->setPlaceholderText(QStringLiteral("Search events (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(QStringLiteral("Search events"));
    m_search->setObjectName(QStringLiteral("timelineSearch"));
    connect(m_search, &QLineEdit::textChanged, m_filter, &TimelineFilterModel::setSearchText);
    filterBar->addWidget(m_search, 1);
    for (const TimelineFilterModel::Group group : TimelineFilterModel::allGroups()) {
        auto *toggle = new QToolButton(this);
        const QString name = TimelineFilterModel::groupName(group);
        toggle->setText(name);
        toggle->setCheckable(true);
        toggle->setChecked(true);
        toggle->setAutoRaise(true);
        toggle->setToolTip(QStringLiteral("Show %1 events").arg(name.toLower()));
        toggle->setAccessibleName(QStringLiteral("Show %1").arg(name.toLower()));
        connect(toggle, &QToolButton::toggled, m_filter,
                [this, group](bool shown) { m_filter->setGroupShown(group, shown); });
        m_groupToggles.insert(int(group), toggle);
        filterBar->addWidget(toggle);
    }

    // Shown while the user reads further up: new rows keep arriving below.
    auto *jumpLayout = new QHBoxLayout(m_jumpBar);
    jumpLayout->setContentsMargins(0, 0, 0, 0);
    jumpLayout->addWidget(m_jumpLabel, 1);
    m_jumpToLive->setToolTip(QStringLiteral("Follow the live end again (Ctrl+End)"));
    m_jumpToLive->setAccessibleName(QStringLiteral("Jump to live"));
    jumpLayout->addWidget(m_jumpToLive);
    m_jumpBar->hide();
    connect(m_jumpToLive, &QPushButton::clicked, this, &PromptView::jumpToLive);
    connect(m_view, &TimelineView::followingChanged, this, [this](bool following) {
        if (following)
            m_unseenRows = 0;
        updateJumpBar();
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                if (!m_view->isFollowing()) {
                    m_unseenRows += last - first + 1;
                    updateJumpBar();
                }
            });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(filterBar);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_jumpBar);

    // The stream feeds the model; the model batches.
    connect(m_stream, &Sluice::PromptStream::eventReceived, m_model, &TimelineModel::appendEvent);
    connect(m_stream, &Sluice::PromptStream::done, this, [this] {
        m_done = true;
        Q_EMIT doneReceived();
    });
    connect(m_stream, &Sluice::PromptStream::stateChanged, this,
            [this](Sluice::PromptStream::State state) {
                m_status.setState(state);
                // A reconnection is logged with its delay, by reconnecting() below.
                if (state != Sluice::PromptStream::State::Reconnecting) {
                    qCInfo(lcViewerStream).noquote()
                        << "prompt" << this->promptId() << m_status.text();
                    m_countdown.stop();
                }
                Q_EMIT statusChanged();
            });
    connect(m_stream, &Sluice::PromptStream::reconnecting, this,
            [this](int attempt, std::chrono::milliseconds delay) {
                m_status.setReconnecting(attempt, delay);
                qCInfo(lcViewerStream).noquote() << "prompt" << this->promptId() << m_status.text();
                m_countdown.start();
                Q_EMIT statusChanged();
            });
    connect(
        m_stream, &Sluice::PromptStream::errorOccurred, this, [this](const Sluice::Error &error) {
            m_status.setError(error);
            qCWarning(lcViewerStream).noquote() << "prompt" << this->promptId() << error.message()
                                                << (error.willRetry() ? "(retrying)" : "");
            Q_EMIT statusChanged();
        });
    connect(m_stream, &Sluice::PromptStream::lastEventIdChanged, this, [this](const QString &id) {
        m_status.setLastEventId(id);
        if (!m_statusCoalesce.isActive())
            m_statusCoalesce.start();
    });
    m_countdown.setInterval(250ms);
    connect(&m_countdown, &QTimer::timeout, this, &PromptView::statusChanged);
    m_statusCoalesce.setSingleShot(true);
    m_statusCoalesce.setInterval(100ms);
    connect(&m_statusCoalesce, &QTimer::timeout, this, &PromptView::statusChanged);
}

PromptView::~PromptView() = default;

QString PromptView::sessionId() const
{
    return m_stream->sessionId();
}

QString PromptView::promptId() const
{
    return m_stream->promptId();
}

void PromptView::setMode(Sluice::PromptStream::Mode mode)
{
    m_stream->setMode(mode);
}

QToolButton *PromptView::groupToggle(TimelineFilterModel::Group group) const
{
    return m_groupToggles.value(int(group));
}

void PromptView::start()
{
    m_stream->start();
}

void PromptView::stop()
{
    m_stream->stop();
}

void PromptView::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void PromptView::jumpToLive()
{
    m_view->jumpToLive();
}

void PromptView::updateJumpBar()
{
    const bool show = !m_view->isFollowing();
    if (show) {
        m_jumpLabel->setText(m_unseenRows > 0
                                 ? QStringLiteral("Paused: %1 new rows below").arg(m_unseenRows)
                                 : QStringLiteral("Paused: scrolled away from the live end"));
    }
    m_jumpBar->setVisible(show);
}

QString PromptView::suggestedExportName() const
{
    return QStringLiteral("prompt-%1.jsonl").arg(promptId());
}

bool PromptView::exportTo(const QString &path, QString *error)
{
    // Everything received, including what waits for the next batch.
    while (m_model->pendingCount() > 0)
        m_model->flush();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    file.write(eventJsonLines(m_model->events()));
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    qCInfo(lcViewer).noquote() << "exported" << m_model->eventCount() << "events of prompt"
                               << promptId() << "to" << path;
    return true;
}

void PromptView::exportWithDialog()
{
    const QString path
        = QFileDialog::getSaveFileName(this, QStringLiteral("Export Events"), suggestedExportName(),
                                       QStringLiteral("JSON Lines (*.jsonl);;All Files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportTo(path, &error))
        QMessageBox::warning(this, QStringLiteral("Export Events"),
                             QStringLiteral("Could not write %1: %2").arg(path, error));
}

} // namespace SluiceViewer
