// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"
#include "signindialog.h"

#include <Sluice/ApiTypes.h>
#include <Sluice/Error.h>
#include <Sluice/PromptStream.h>

#include <QtCore/QPointer>
#include <QtWidgets/QMainWindow>

QT_BEGIN_NAMESPACE
class QActionGroup;
class QComboBox;
class QLabel;
class QSplitter;
class QTabWidget;
QT_END_NAMESPACE

namespace Sluice {
class ApiClient;
class AuthSession;
class TokenStore;
} // namespace Sluice

namespace SluiceViewer {

class PromptView;
class SessionsPanel;

// The viewer's window: sessions and prompts on the left, one tab per followed prompt on the
// right, the connection state of the current tab and the last event id in the status bar.
// start() signs in: with a password given, through the dialog at once; else silently with a
// refresh token remembered in `tokenStore` when the last sign-in asked for it; else it opens the
// sign-in dialog. Window geometry, splitter and stream mode are kept in QSettings.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(Sluice::TokenStore *tokenStore, QWidget *parent = nullptr);
    ~MainWindow() override;

    void start(const ViewerOptions &options, const QString &password = {});

    Sluice::AuthSession *authSession() const { return m_session; }
    Sluice::ApiClient *api() const { return m_api; }
    SessionsPanel *sessionsPanel() const { return m_sessions; }
    QTabWidget *tabs() const { return m_tabs; }
    SignInDialog *signInDialog() const { return m_signIn; }
    PromptView *currentPromptView() const;
    PromptView *promptView(const QString &promptId) const;
    Sluice::PromptStream::Mode streamMode() const { return m_mode; }
    // The status bar's texts.
    QString connectionText() const;
    QString lastEventText() const;

public Q_SLOTS:
    void showSignIn(const QString &message = {});
    void signOut();
    void refresh();
    PromptView *openPrompt(const QString &sessionId, const QString &promptId,
                           const QString &title = {});
    void createSession(const QString &title);
    // Creates the prompt in `sessionId` (a new session titled after the text when empty) and
    // opens it.
    void createPrompt(const QString &sessionId, const QString &text);
    void setStreamMode(Sluice::PromptStream::Mode mode);
    void closeTab(int index);

Q_SIGNALS:
    void signedIn();
    // A session or prompt was created (createSession(), createPrompt()).
    void sessionCreated(const Sluice::SessionInfo &session);
    void promptCreated(const Sluice::PromptInfo &prompt);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void restoreSettings();
    void saveSettings() const;
    void onSignedIn();
    void onSignedOut(const Sluice::Error &reason);
    void updateStatusBar();
    void updateActions();
    void reportError(const QString &what, const Sluice::Error &error);
    void newSessionInteractive();
    void newPromptInteractive();

    Sluice::TokenStore *m_tokenStore;
    Sluice::AuthSession *m_session;
    Sluice::ApiClient *m_api;
    SessionsPanel *m_sessions;
    QTabWidget *m_tabs;
    QSplitter *m_splitter;
    QPointer<SignInDialog> m_signIn;
    QLabel *m_connectionLabel;
    QLabel *m_lastEventLabel;
    QLabel *m_accountLabel;
    QComboBox *m_modeBox = nullptr;
    QActionGroup *m_modeActions = nullptr;
    QList<QAction *> m_signedInActions; // enabled only while signed in
    QList<QAction *> m_tabActions; // enabled only with a tab open
    QAction *m_signInAction = nullptr;
    QAction *m_signOutAction = nullptr;
    Sluice::PromptStream::Mode m_mode = Sluice::PromptStream::Mode::StreamToken;
    ViewerOptions m_pending; // what start() was asked to open once signed in
    bool m_rememberAsked = false;
};

} // namespace SluiceViewer
