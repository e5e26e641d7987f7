// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "sessionspanel.h"

#include "logging.h"

#include <Sluice/ApiClient.h>

#include <QtCore/QLocale>
#include <QtCore/QSet>
#include <QtGui/QStandardItemModel>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QTreeView>
#include <QtWidgets/QVBoxLayout>

namespace SluiceViewer {

namespace {

// A session item's only child until its prompts have been loaded (it makes the item
// expandable).
constexpr int placeholderRole = SessionsPanel::IsPromptRole + 1;
// The "More sessions…" row: the cursor of the next page of sessions.
constexpr int moreCursorRole = SessionsPanel::IsPromptRole + 2;

QStandardItem *readOnlyItem(const QString &text)
{
    auto *item = new QStandardItem(text);
    item->setEditable(false);
    return item;
}

} // namespace

SessionsPanel::SessionsPanel(Sluice::ApiClient *api, QWidget *parent)
    : QWidget(parent)
    , m_api(api)
    , m_tree(new QTreeView(this))
    , m_model(new QStandardItemModel(this))
{
    m_model->setHorizontalHeaderLabels(
        { QStringLiteral("Sessions and prompts"), QStringLiteral("Status") });
    m_tree->setModel(m_model);
    m_tree->setAccessibleName(QStringLiteral("Sessions and prompts"));
    m_tree->setObjectName(QStringLiteral("sessionsTree"));
    m_tree->setUniformRowHeights(true);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    connect(m_tree, &QTreeView::activated, this, &SessionsPanel::activate);
    connect(m_tree, &QTreeView::clicked, this, &SessionsPanel::activate);
    connect(m_tree, &QTreeView::expanded, this, [this](const QModelIndex &index) {
        QStandardItem *item = m_model->itemFromIndex(index.siblingAtColumn(0));
        if (item && item->rowCount() == 1 && item->child(0)->data(placeholderRole).toBool())
            loadPrompts(item->data(IdRole).toString());
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree);
}

SessionsPanel::~SessionsPanel() = default;

QString SessionsPanel::statusText(Sluice::PromptInfo::Status status)
{
    using Status = Sluice::PromptInfo::Status;
    switch (status) {
    case Status::Pending:
        return QStringLiteral("pending");
    case Status::Running:
        return QStringLiteral("running");
    case Status::Done:
        return QStringLiteral("done");
    case Status::Failed:
        return QStringLiteral("failed");
    case Status::Unknown:
        break;
    }
    return {};
}

QString SessionsPanel::promptTitle(const QString &text)
{
    const QString simple = text.simplified();
    return simple.size() > 60 ? simple.left(59) + QChar(0x2026) : simple;
}

QList<QStandardItem *> SessionsPanel::sessionRow(const Sluice::SessionInfo &session) const
{
    QStandardItem *item
        = readOnlyItem(session.title().isEmpty() ? QStringLiteral("(untitled)") : session.title());
    item->setData(session.id(), IdRole);
    item->setData(false, IsPromptRole);
    item->setToolTip(
        QStringLiteral("Session %1, created %2")
            .arg(session.id(),
                 QLocale().toString(session.createdAt().toLocalTime(), QLocale::ShortFormat)));
    QStandardItem *placeholder = readOnlyItem(QStringLiteral("Loading…"));
    placeholder->setData(true, placeholderRole);
    placeholder->setEnabled(false);
    item->appendRow(placeholder);
    return { item, readOnlyItem(QString()) };
}

QList<QStandardItem *> SessionsPanel::promptRow(const Sluice::PromptInfo &prompt) const
{
    QStandardItem *item = readOnlyItem(promptTitle(prompt.text()));
    item->setData(prompt.id(), IdRole);
    item->setData(prompt.sessionId(), SessionIdRole);
    item->setData(true, IsPromptRole);
    item->setToolTip(prompt.text());
    return { item, readOnlyItem(statusText(prompt.status())) };
}

QStandardItem *SessionsPanel::sessionItem(const QString &sessionId) const
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        QStandardItem *item = m_model->item(row);
        if (item->data(IdRole).toString() == sessionId)
            return item;
    }
    return nullptr;
}

QStandardItem *SessionsPanel::promptItem(const QString &promptId) const
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        QStandardItem *session = m_model->item(row);
        for (int child = 0; child < session->rowCount(); ++child) {
            QStandardItem *item = session->child(child);
            if (item->data(IsPromptRole).toBool() && item->data(IdRole).toString() == promptId)
                return item;
        }
    }
    return nullptr;
}

QString SessionsPanel::currentSessionId() const
{
    const QModelIndex index = m_tree->currentIndex().siblingAtColumn(0);
    if (!index.isValid())
        return {};
    if (index.data(IsPromptRole).toBool())
        return index.data(SessionIdRole).toString();
    if (index.data(placeholderRole).toBool())
        return index.parent().data(IdRole).toString();
    return index.data(IdRole).toString();
}

QStandardItem *SessionsPanel::moreSessionsItem() const
{
    const int last = m_model->rowCount() - 1;
    QStandardItem *item = last >= 0 ? m_model->item(last) : nullptr;
    return item && !item->data(moreCursorRole).toString().isEmpty() ? item : nullptr;
}

void SessionsPanel::activate(const QModelIndex &index)
{
    const QModelIndex first = index.siblingAtColumn(0);
    if (!first.data(moreCursorRole).toString().isEmpty()) {
        loadMoreSessions();
        return;
    }
    if (!first.data(IsPromptRole).toBool())
        return;
    Q_EMIT promptActivated(first.data(SessionIdRole).toString(), first.data(IdRole).toString(),
                           first.data(Qt::DisplayRole).toString());
}

void SessionsPanel::clear()
{
    m_model->removeRows(0, m_model->rowCount());
    m_loadedOnce = false;
}

void SessionsPanel::finishedLoading()
{
    if (--m_loading == 0)
        Q_EMIT loaded();
}

void SessionsPanel::refresh()
{
    QSet<QString> expanded;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_tree->isExpanded(m_model->index(row, 0)))
            expanded.insert(m_model->item(row)->data(IdRole).toString());
    }
    const QString current = m_tree->currentIndex().siblingAtColumn(0).data(IdRole).toString();
    ++m_loading;
    Sluice::ApiReply *reply = m_api->listSessions(m_pageSize);
    connect(reply, &Sluice::Job::finished, this, [this, expanded, current](Sluice::Job *job) {
        const auto *reply = static_cast<Sluice::ApiReply *>(job);
        if (reply->error().isError()) {
            qCWarning(lcViewer).noquote() << "listing sessions failed:" << reply->error().message();
            Q_EMIT errorOccurred(reply->error());
            finishedLoading();
            return;
        }
        const QList<Sluice::SessionInfo> sessions = reply->sessions();
        m_model->removeRows(0, m_model->rowCount());
        QSet<QString> toExpand = expanded;
        // The newest session open on the first load: what a demo user wants to see.
        if (!m_loadedOnce && toExpand.isEmpty() && !sessions.isEmpty())
            toExpand.insert(sessions.constFirst().id());
        m_loadedOnce = true;
        appendSessions(sessions, reply->nextCursor());
        for (int row = 0; row < m_model->rowCount(); ++row) {
            QStandardItem *item = m_model->item(row);
            if (toExpand.contains(item->data(IdRole).toString()))
                m_tree->expand(item->index()); // loads its prompts
            if (!current.isEmpty() && item->data(IdRole).toString() == current)
                m_tree->setCurrentIndex(item->index());
        }
        finishedLoading();
    });
}

void SessionsPanel::appendSessions(const QList<Sluice::SessionInfo> &sessions,
                                   const QString &nextCursor)
{
    if (QStandardItem *more = moreSessionsItem())
        m_model->removeRow(more->row());
    for (const Sluice::SessionInfo &session : sessions) {
        if (!sessionItem(session.id())) // already shown when it was created here meanwhile
            m_model->appendRow(sessionRow(session));
    }
    if (nextCursor.isEmpty())
        return;
    QStandardItem *more = readOnlyItem(QStringLiteral("More sessions…"));
    more->setData(nextCursor, moreCursorRole);
    more->setToolTip(QStringLiteral("Load the next %1 sessions").arg(m_pageSize));
    m_model->appendRow({ more, readOnlyItem(QString()) });
}

void SessionsPanel::loadMoreSessions()
{
    QStandardItem *more = moreSessionsItem();
    if (!more || more->data(placeholderRole).toBool())
        return; // nothing more, or already on its way
    more->setData(true, placeholderRole);
    more->setText(QStringLiteral("Loading…"));
    ++m_loading;
    Sluice::ApiReply *reply
        = m_api->listSessions(m_pageSize, more->data(moreCursorRole).toString());
    connect(reply, &Sluice::Job::finished, this, [this](Sluice::Job *job) {
        const auto *reply = static_cast<Sluice::ApiReply *>(job);
        if (reply->error().isError()) {
            qCWarning(lcViewer).noquote() << "listing sessions failed:" << reply->error().message();
            if (QStandardItem *more = moreSessionsItem()) {
                more->setData(false, placeholderRole);
                more->setText(QStringLiteral("More sessions…"));
            }
            Q_EMIT errorOccurred(reply->error());
        } else {
            appendSessions(reply->sessions(), reply->nextCursor());
        }
        finishedLoading();
    });
}

void SessionsPanel::loadPrompts(const QString &sessionId)
{
    ++m_loading;
    loadPromptPage(sessionId, QString());
}

// Prompts come oldest first, so the newest (what a user looks for) are on the last page: every
// page is loaded, one after the other.
void SessionsPanel::loadPromptPage(const QString &sessionId, const QString &cursor)
{
    Sluice::ApiReply *reply = m_api->listPrompts(sessionId, m_pageSize, cursor);
    connect(reply, &Sluice::Job::finished, this, [this, sessionId, cursor](Sluice::Job *job) {
        const auto *reply = static_cast<Sluice::ApiReply *>(job);
        QStandardItem *session = sessionItem(sessionId);
        if (reply->error().isError()) {
            qCWarning(lcViewer).noquote() << "listing the prompts of session" << sessionId
                                          << "failed:" << reply->error().message();
            Q_EMIT errorOccurred(reply->error());
        } else if (session) {
            if (cursor.isEmpty())
                session->removeRows(0, session->rowCount());
            const QList<Sluice::PromptInfo> prompts = reply->prompts();
            for (const Sluice::PromptInfo &prompt : prompts) {
                if (!promptItem(prompt.id()))
                    session->appendRow(promptRow(prompt));
            }
            if (!reply->nextCursor().isEmpty()) {
                loadPromptPage(sessionId, reply->nextCursor());
                return; // still loading
            }
            if (session->rowCount() == 0) {
                QStandardItem *none = readOnlyItem(QStringLiteral("No prompts yet"));
                none->setEnabled(false);
                session->appendRow(none);
            }
        }
        finishedLoading();
    });
}

void SessionsPanel::addSession(const Sluice::SessionInfo &session)
{
    if (sessionItem(session.id()))
        return;
    QList<QStandardItem *> row = sessionRow(session);
    QStandardItem *item = row.constFirst();
    // Nothing to load: a new session has no prompts.
    item->removeRows(0, item->rowCount());
    m_model->insertRow(0, row);
    m_tree->setCurrentIndex(item->index());
}

void SessionsPanel::addPrompt(const Sluice::PromptInfo &prompt)
{
    QStandardItem *session = sessionItem(prompt.sessionId());
    if (!session || promptItem(prompt.id()))
        return;
    if (session->rowCount() == 1 && session->child(0)->data(placeholderRole).toBool()) {
        // Its prompts were never loaded: load them all, the new one included.
        session->child(0)->setData(false, placeholderRole);
        loadPrompts(prompt.sessionId());
        m_tree->expand(session->index());
        return;
    }
    for (int row = session->rowCount() - 1; row >= 0; --row) {
        if (!session->child(row)->data(IsPromptRole).toBool())
            session->removeRow(row); // "Loading…", "No prompts yet"
    }
    QList<QStandardItem *> row = promptRow(prompt);
    session->appendRow(row);
    m_tree->expand(session->index());
    m_tree->setCurrentIndex(row.constFirst()->index());
}

void SessionsPanel::setPromptStatus(const QString &promptId, Sluice::PromptInfo::Status status)
{
    QStandardItem *item = promptItem(promptId);
    if (!item)
        return;
    QStandardItem *parent = item->parent();
    parent->child(item->row(), 1)->setText(statusText(status));
}

} // namespace SluiceViewer
