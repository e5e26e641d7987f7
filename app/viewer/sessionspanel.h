// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/ApiTypes.h>
#include <Sluice/Error.h>

#include <QtWidgets/QWidget>

QT_BEGIN_NAMESPACE
class QStandardItem;
class QStandardItemModel;
class QTreeView;
QT_END_NAMESPACE

namespace Sluice {
class ApiClient;
}

namespace SluiceViewer {

// The side panel: the user's sessions (newest first) and their prompts with their status.
// A session's prompts are loaded when it is expanded; refresh() reloads the sessions and the
// prompts of every expanded one. Activating a prompt (click, Return) asks for its stream.
class SessionsPanel : public QWidget
{
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1, // the session's or the prompt's id
        SessionIdRole, // prompts: their session's id
        IsPromptRole,
    };

    explicit SessionsPanel(Sluice::ApiClient *api, QWidget *parent = nullptr);
    ~SessionsPanel() override;

    QTreeView *tree() const { return m_tree; }
    QStandardItemModel *model() const { return m_model; }
    // The session of the current item (a session or one of its prompts), "" when none.
    QString currentSessionId() const;
    QStandardItem *sessionItem(const QString &sessionId) const;
    QStandardItem *promptItem(const QString &promptId) const;
    bool isLoading() const { return m_loading > 0; }
    // Sessions come a page at a time (newest first) with a "More sessions…" row after the last
    // one shown; a session's prompts are loaded page after page, all of them.
    int pageSize() const { return m_pageSize; }
    void setPageSize(int size) { m_pageSize = size; }
    // The "More sessions…" row, nullptr when every session is shown.
    QStandardItem *moreSessionsItem() const;

    static QString statusText(Sluice::PromptInfo::Status status);
    static QString promptTitle(const QString &text);

public Q_SLOTS:
    void refresh();
    void clear();
    void loadPrompts(const QString &sessionId);
    void loadMoreSessions();
    // A session or prompt created here: shown at once, without a refresh.
    void addSession(const Sluice::SessionInfo &session);
    void addPrompt(const Sluice::PromptInfo &prompt);
    void setPromptStatus(const QString &promptId, Sluice::PromptInfo::Status status);

Q_SIGNALS:
    void promptActivated(const QString &sessionId, const QString &promptId, const QString &title);
    void errorOccurred(const Sluice::Error &error);
    // Everything refresh() asked for has arrived.
    void loaded();

private:
    QList<QStandardItem *> sessionRow(const Sluice::SessionInfo &session) const;
    QList<QStandardItem *> promptRow(const Sluice::PromptInfo &prompt) const;
    void activate(const QModelIndex &index);
    void finishedLoading();
    void appendSessions(const QList<Sluice::SessionInfo> &sessions, const QString &nextCursor);
    void loadPromptPage(const QString &sessionId, const QString &cursor);

    Sluice::ApiClient *m_api;
    QTreeView *m_tree;
    QStandardItemModel *m_model;
    int m_loading = 0;
    bool m_loadedOnce = false;
    int m_pageSize = 100;
};

} // namespace SluiceViewer
