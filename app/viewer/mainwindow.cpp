// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "errortext.h"
#include "logging.h"
#include "promptview.h"
#include "sessionspanel.h"
#include "signindialog.h"
#include "timelineview.h"

#include <Sluice/ApiClient.h>
#include <Sluice/AuthSession.h>
#include <Sluice/TokenStore.h>

#include <QtCore/QSettings>
#include <QtGui/QAction>
#include <QtGui/QActionGroup>
#include <QtGui/QCloseEvent>
#include <QtGui/QKeySequence>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QInputDialog>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QTreeView>

namespace SluiceViewer {

namespace {

const QUrl defaultServerUrl = QUrl(QStringLiteral("http://127.0.0.1:8080"));
const QString defaultPromptText
    = QStringLiteral("Check that the server tests pass and summarise the entry point.");

// Settings keys: one place, so that a rename cannot leave a reader behind.
namespace Key {
const QString geometry = QStringLiteral("window/geometry");
const QString state = QStringLiteral("window/state");
const QString splitter = QStringLiteral("window/splitter");
const QString serverUrl = QStringLiteral("signIn/serverUrl");
const QString userName = QStringLiteral("signIn/userName");
const QString remembered = QStringLiteral("signIn/remembered");
const QString mode = QStringLiteral("stream/mode");
} // namespace Key

QString tabTitle(const QString &title, const QString &promptId)
{
    const QString text
        = title.isEmpty() ? QStringLiteral("Prompt %1").arg(promptId.left(8)) : title;
    return text.size() > 28 ? text.left(27) + QChar(0x2026) : text;
}

} // namespace

MainWindow::MainWindow(Sluice::TokenStore *tokenStore, QWidget *parent)
    : QMainWindow(parent)
    , m_tokenStore(tokenStore)
    , m_session(new Sluice::AuthSession(this))
    , m_api(new Sluice::ApiClient(m_session, this))
    , m_sessions(new SessionsPanel(m_api, this))
    , m_tabs(new QTabWidget(this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_connectionLabel(new QLabel(this))
    , m_lastEventLabel(new QLabel(this))
    , m_accountLabel(new QLabel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Sluice Viewer"));
    m_session->setTokenStore(m_tokenStore);

    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setDocumentMode(true);
    m_tabs->setAccessibleName(QStringLiteral("Followed prompts"));
    auto *hint = new QLabel(QStringLiteral("Select a prompt on the left to follow its stream, or "
                                           "create one with File › New Prompt (Ctrl+N)."),
                            this);
    hint->setAlignment(Qt::AlignCenter);
    hint->setWordWrap(true);
    hint->setEnabled(false); // the palette's quiet text colour
    auto *right = new QStackedWidget(this);
    right->addWidget(hint);
    right->addWidget(m_tabs);
    m_splitter->addWidget(m_sessions);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setSizes({ 320, 880 });
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    setCentralWidget(m_splitter);

    m_connectionLabel->setAccessibleName(QStringLiteral("Connection state"));
    m_connectionLabel->setObjectName(QStringLiteral("connectionState"));
    m_lastEventLabel->setAccessibleName(QStringLiteral("Last event id"));
    m_accountLabel->setAccessibleName(QStringLiteral("Signed-in user"));
    statusBar()->addPermanentWidget(m_accountLabel);
    statusBar()->addPermanentWidget(m_lastEventLabel);
    statusBar()->addPermanentWidget(m_connectionLabel);

    createActions();

    connect(m_session, &Sluice::AuthSession::stateChanged, this, [this] {
        updateStatusBar();
        updateActions();
    });
    connect(m_session, &Sluice::AuthSession::signedOut, this, &MainWindow::onSignedOut);
    connect(m_session, &Sluice::AuthSession::rememberedChanged, this,
            [this](bool remembered) { QSettings().setValue(Key::remembered, remembered); });
    connect(m_session, &Sluice::AuthSession::errorOccurred, this,
            [this](const Sluice::Error &error) {
                // Without "remember me" a missing keychain is nobody's concern.
                if (error.kind() == Sluice::Error::Kind::Keychain && !m_rememberAsked)
                    return;
                reportError(error.kind() == Sluice::Error::Kind::Keychain
                                ? QStringLiteral("Could not remember the sign-in")
                                : QStringLiteral("Sign-in"),
                            error);
            });
    connect(m_sessions, &SessionsPanel::promptActivated, this,
            [this](const QString &sessionId, const QString &promptId, const QString &title) {
                openPrompt(sessionId, promptId, title);
            });
    connect(m_sessions, &SessionsPanel::errorOccurred, this,
            [this](const Sluice::Error &error) { reportError(QStringLiteral("Listing"), error); });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this, right] {
        right->setCurrentIndex(m_tabs->count() > 0 ? 1 : 0);
        updateStatusBar();
        updateActions();
    });
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &MainWindow::closeTab);

    resize(1200, 780);
    restoreSettings();
    updateStatusBar();
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    const auto add = [this](QMenu *menu, const QString &text, const QString &name,
                            const QKeySequence &shortcut, auto slot) {
        QAction *action = menu->addAction(text);
        action->setObjectName(name);
        if (!shortcut.isEmpty())
            action->setShortcut(shortcut);
        connect(action, &QAction::triggered, this, slot);
        return action;
    };

    QMenu *file = menuBar()->addMenu(QStringLiteral("&File"));
    m_signInAction = add(file, QStringLiteral("Sign &In…"), QStringLiteral("actionSignIn"), {},
                         [this] { showSignIn(); });
    m_signOutAction = add(file, QStringLiteral("Sign &Out"), QStringLiteral("actionSignOut"), {},
                          [this] { signOut(); });
    file->addSeparator();
    QAction *newSession
        = add(file, QStringLiteral("New &Session…"), QStringLiteral("actionNewSession"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), [this] { newSessionInteractive(); });
    QAction *newPrompt
        = add(file, QStringLiteral("&New Prompt…"), QStringLiteral("actionNewPrompt"),
              QKeySequence::New, [this] { newPromptInteractive(); });
    file->addSeparator();
    QAction *exportEvents = add(file, QStringLiteral("&Export Events…"),
                                QStringLiteral("actionExport"), QKeySequence::Save, [this] {
                                    if (PromptView *view = currentPromptView())
                                        view->exportWithDialog();
                                });
    QAction *closeTabAction
        = add(file, QStringLiteral("&Close Tab"), QStringLiteral("actionCloseTab"),
              QKeySequence::Close, [this] { closeTab(m_tabs->currentIndex()); });
    file->addSeparator();
    add(file, QStringLiteral("&Quit"), QStringLiteral("actionQuit"), QKeySequence::Quit,
        [this] { close(); });

    QMenu *edit = menuBar()->addMenu(QStringLiteral("&Edit"));
    QAction *copy = add(edit, QStringLiteral("&Copy Event JSON"), QStringLiteral("actionCopy"),
                        QKeySequence::Copy, [this] {
                            if (PromptView *view = currentPromptView())
                                view->view()->copySelection();
                        });
    QAction *find = add(edit, QStringLiteral("&Find in Timeline"), QStringLiteral("actionFind"),
                        QKeySequence::Find, [this] {
                            if (PromptView *view = currentPromptView())
                                view->focusSearch();
                        });

    QMenu *view = menuBar()->addMenu(QStringLiteral("&View"));
    QAction *refreshAction = add(view, QStringLiteral("&Refresh"), QStringLiteral("actionRefresh"),
                                 QKeySequence::Refresh, [this] { refresh(); });
    QAction *jump = add(view, QStringLiteral("&Jump to Live"), QStringLiteral("actionJumpToLive"),
                        QKeySequence(Qt::CTRL | Qt::Key_End), [this] {
                            if (PromptView *view = currentPromptView())
                                view->jumpToLive();
                        });
    view->addSeparator();
    add(view, QStringLiteral("Go to &Sessions"), QStringLiteral("actionFocusSessions"),
        QKeySequence(Qt::CTRL | Qt::Key_1), [this] { m_sessions->tree()->setFocus(); });
    QAction *focusTimeline
        = add(view, QStringLiteral("Go to &Timeline"), QStringLiteral("actionFocusTimeline"),
              QKeySequence(Qt::CTRL | Qt::Key_2), [this] {
                  if (PromptView *view = currentPromptView())
                      view->view()->setFocus();
              });
    view->addSeparator();
    QMenu *modeMenu = view->addMenu(QStringLiteral("Stream &Mode"));
    m_modeActions = new QActionGroup(this);
    m_modeBox = new QComboBox(this);
    m_modeBox->setAccessibleName(QStringLiteral("Stream mode"));
    m_modeBox->setToolTip(QStringLiteral("How prompts opened from now on authorise their stream"));
    const QList<QPair<Sluice::PromptStream::Mode, QString>> modes = {
        { Sluice::PromptStream::Mode::StreamToken, QStringLiteral("Stream Token") },
        { Sluice::PromptStream::Mode::Header, QStringLiteral("Authorization Header") },
        { Sluice::PromptStream::Mode::Cookie, QStringLiteral("Cookie") },
    };
    for (const auto &[mode, label] : modes) {
        QAction *action = modeMenu->addAction(label);
        action->setCheckable(true);
        action->setData(int(mode));
        action->setObjectName(QStringLiteral("actionMode_%1").arg(modeName(mode)));
        m_modeActions->addAction(action);
        connect(action, &QAction::triggered, this, [this, mode = mode] { setStreamMode(mode); });
        m_modeBox->addItem(label, int(mode));
    }
    connect(m_modeBox, &QComboBox::activated, this, [this](int index) {
        setStreamMode(Sluice::PromptStream::Mode(m_modeBox->itemData(index).toInt()));
    });

    QMenu *help = menuBar()->addMenu(QStringLiteral("&Help"));
    add(help, QStringLiteral("&Keyboard Shortcuts"), QStringLiteral("actionShortcuts"),
        QKeySequence::HelpContents, [this] {
            QMessageBox::information(
                this, QStringLiteral("Keyboard Shortcuts"),
                QStringLiteral("Ctrl+N\tnew prompt\nCtrl+Shift+N\tnew session\nF5\trefresh\n"
                               "Ctrl+F\tsearch the timeline\nCtrl+End\tjump to live\n"
                               "Ctrl+C\tcopy the selected events as JSON\n"
                               "Space\tcollapse or expand a tool card\n"
                               "Ctrl+S\texport the prompt's events\nCtrl+W\tclose the tab\n"
                               "Ctrl+1 / Ctrl+2\tgo to sessions / timeline\n"
                               "Ctrl+Tab\tnext tab\nCtrl+Q\tquit"));
        });
    add(help, QStringLiteral("&About Sluice Viewer"), QStringLiteral("actionAbout"), {}, [this] {
        QMessageBox::about(this, QStringLiteral("About Sluice Viewer"),
                           QStringLiteral("Sluice Viewer %1\n\nWatch the prompt streams of a "
                                          "Sluice server live.")
                               .arg(QStringLiteral(SLUICE_VERSION)));
    });

    QToolBar *toolBar = addToolBar(QStringLiteral("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setMovable(false);
    toolBar->addAction(refreshAction);
    toolBar->addAction(newSession);
    toolBar->addAction(newPrompt);
    toolBar->addSeparator();
    auto *modeLabel = new QLabel(QStringLiteral(" Stream mode: "), this);
    modeLabel->setBuddy(m_modeBox);
    toolBar->addWidget(modeLabel);
    toolBar->addWidget(m_modeBox);

    m_signedInActions = { newSession, newPrompt, refreshAction, m_signOutAction };
    m_tabActions = { exportEvents, closeTabAction, copy, find, jump, focusTimeline };
    setStreamMode(m_mode);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(Key::geometry).toByteArray());
    restoreState(settings.value(Key::state).toByteArray());
    m_splitter->restoreState(settings.value(Key::splitter).toByteArray());
    const QString mode = settings.value(Key::mode).toString();
    for (const auto candidate :
         { Sluice::PromptStream::Mode::StreamToken, Sluice::PromptStream::Mode::Header,
           Sluice::PromptStream::Mode::Cookie }) {
        if (modeName(candidate) == mode)
            setStreamMode(candidate);
    }
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(Key::geometry, saveGeometry());
    settings.setValue(Key::state, saveState());
    settings.setValue(Key::splitter, m_splitter->saveState());
    settings.setValue(Key::mode, modeName(m_mode));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (auto *view = qobject_cast<PromptView *>(m_tabs->widget(i)))
            view->stop();
    }
    QMainWindow::closeEvent(event);
}

void MainWindow::setStreamMode(Sluice::PromptStream::Mode mode)
{
    m_mode = mode;
    for (QAction *action : m_modeActions->actions())
        action->setChecked(action->data().toInt() == int(mode));
    m_modeBox->setCurrentIndex(m_modeBox->findData(int(mode)));
}

void MainWindow::start(const ViewerOptions &options, const QString &password)
{
    m_pending = options;
    if (options.mode) {
        setStreamMode(*options.mode);
        QSettings().setValue(Key::mode, modeName(*options.mode));
    }
    const QSettings settings;
    const QUrl lastUrl(settings.value(Key::serverUrl).toString());
    const QString lastUser = settings.value(Key::userName).toString();
    const QUrl url = !options.serverUrl.isEmpty() ? options.serverUrl
        : !lastUrl.isEmpty()                      ? lastUrl
                                                  : defaultServerUrl;
    const QString user = !options.userName.isEmpty() ? options.userName : lastUser;
    m_session->setServerUrl(url);

    if (!password.isEmpty()) {
        showSignIn();
        m_signIn->setRemember(false);
        m_signIn->setPassword(password);
        m_signIn->signIn();
        return;
    }
    if (settings.value(Key::remembered).toBool() && url == lastUrl && user == lastUser
        && !user.isEmpty()) {
        qCInfo(lcViewer).noquote() << "signing in as" << user << "with the remembered sign-in";
        m_rememberAsked = true;
        statusBar()->showMessage(QStringLiteral("Signing in as %1…").arg(user));
        Sluice::Job *job = m_session->restore(user);
        connect(job, &Sluice::Job::finished, this, [this, url](Sluice::Job *job) {
            statusBar()->clearMessage();
            if (!job->error().isError()) {
                onSignedIn();
                return;
            }
            qCWarning(lcViewer).noquote()
                << "the remembered sign-in failed:" << job->error().message();
            showSignIn(job->error().kind() == Sluice::Error::Kind::NotSignedIn
                           ? QString()
                           : signInErrorText(job->error(), url));
        });
        return;
    }
    showSignIn();
}

void MainWindow::showSignIn(const QString &message)
{
    if (!m_signIn) {
        m_signIn = new SignInDialog(m_session, this);
        connect(m_signIn, &SignInDialog::signedIn, this, [this] {
            m_rememberAsked = m_signIn->remember();
            onSignedIn();
        });
    }
    const QSettings settings;
    m_signIn->setServerUrl(m_session->serverUrl().isEmpty() ? defaultServerUrl
                                                            : m_session->serverUrl());
    m_signIn->setUserName(!m_pending.userName.isEmpty() ? m_pending.userName
                                                        : settings.value(Key::userName).toString());
    m_signIn->setRemember(settings.value(Key::remembered).toBool());
    m_signIn->showMessage(message, !message.isEmpty());
    m_signIn->open();
}

void MainWindow::onSignedIn()
{
    QSettings settings;
    settings.setValue(Key::serverUrl, m_session->serverUrl().toString());
    settings.setValue(Key::userName, m_session->userName());
    settings.setValue(Key::remembered, m_session->isRemembered());
    updateStatusBar();
    updateActions();
    refresh();

    const ViewerOptions pending = std::exchange(m_pending, {});
    if (!pending.promptId.isEmpty())
        openPrompt(pending.sessionId, pending.promptId);
    else if (!pending.newPromptText.isEmpty())
        createPrompt(pending.sessionId, pending.newPromptText);
    Q_EMIT signedIn();
}

void MainWindow::onSignedOut(const Sluice::Error &reason)
{
    if (reason.isError())
        qCInfo(lcViewer).noquote() << "signed out:" << reason.message();
    else
        qCInfo(lcViewer) << "signed out";
    while (m_tabs->count() > 0)
        closeTab(0);
    m_sessions->clear();
    updateStatusBar();
    updateActions();
    if (reason.isError())
        showSignIn(signInErrorText(reason, m_session->serverUrl()));
}

void MainWindow::signOut()
{
    Sluice::Job *job = m_session->logout();
    connect(job, &Sluice::Job::finished, this, [this] { showSignIn(); });
}

void MainWindow::refresh()
{
    if (m_session->isSignedIn())
        m_sessions->refresh();
}

PromptView *MainWindow::currentPromptView() const
{
    return qobject_cast<PromptView *>(m_tabs->currentWidget());
}

PromptView *MainWindow::promptView(const QString &promptId) const
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        auto *view = qobject_cast<PromptView *>(m_tabs->widget(i));
        if (view && view->promptId() == promptId)
            return view;
    }
    return nullptr;
}

PromptView *MainWindow::openPrompt(const QString &sessionId, const QString &promptId,
                                   const QString &title)
{
    if (PromptView *existing = promptView(promptId)) {
        m_tabs->setCurrentWidget(existing);
        return existing;
    }
    auto *view = new PromptView(m_session, sessionId, promptId, m_tabs);
    view->setMode(m_mode);
    connect(view, &PromptView::statusChanged, this, [this, view] {
        if (view == currentPromptView())
            updateStatusBar();
    });
    connect(view, &PromptView::doneReceived, this, [this, promptId] {
        m_sessions->setPromptStatus(promptId, Sluice::PromptInfo::Status::Done);
    });
    const int index = m_tabs->addTab(view, tabTitle(title, promptId));
    m_tabs->setTabToolTip(index, title.isEmpty() ? promptId : title);
    if (title.isEmpty()) {
        // Opened by id (command line): the prompt's text makes a better tab title.
        Sluice::ApiReply *reply = m_api->getPrompt(sessionId, promptId);
        connect(reply, &Sluice::Job::finished, view, [this, view](Sluice::Job *job) {
            const auto *reply = static_cast<Sluice::ApiReply *>(job);
            const int at = m_tabs->indexOf(view);
            if (reply->error().isError() || at < 0)
                return;
            const QString text = SessionsPanel::promptTitle(reply->prompt().text());
            m_tabs->setTabText(at, tabTitle(text, view->promptId()));
            m_tabs->setTabToolTip(at, reply->prompt().text());
        });
    }
    m_tabs->setCurrentIndex(index);
    qCInfo(lcViewer).noquote() << "following prompt" << promptId << "of session" << sessionId
                               << "in" << modeName(m_mode) << "mode";
    view->start();
    updateActions();
    return view;
}

void MainWindow::closeTab(int index)
{
    auto *view = qobject_cast<PromptView *>(m_tabs->widget(index));
    if (!view)
        return;
    view->stop();
    m_tabs->removeTab(index);
    view->deleteLater();
    updateStatusBar();
    updateActions();
}

void MainWindow::createSession(const QString &title)
{
    Sluice::ApiReply *reply = m_api->createSession(title);
    connect(reply, &Sluice::Job::finished, this, [this](Sluice::Job *job) {
        const auto *reply = static_cast<Sluice::ApiReply *>(job);
        if (reply->error().isError())
            return reportError(QStringLiteral("Creating the session"), reply->error());
        m_sessions->addSession(reply->session());
        Q_EMIT sessionCreated(reply->session());
    });
}

void MainWindow::createPrompt(const QString &sessionId, const QString &text)
{
    if (sessionId.isEmpty()) {
        Sluice::ApiReply *reply = m_api->createSession(SessionsPanel::promptTitle(text));
        connect(reply, &Sluice::Job::finished, this, [this, text](Sluice::Job *job) {
            const auto *reply = static_cast<Sluice::ApiReply *>(job);
            if (reply->error().isError())
                return reportError(QStringLiteral("Creating the session"), reply->error());
            m_sessions->addSession(reply->session());
            Q_EMIT sessionCreated(reply->session());
            createPrompt(reply->session().id(), text);
        });
        return;
    }
    Sluice::ApiReply *reply = m_api->createPrompt(sessionId, text);
    connect(reply, &Sluice::Job::finished, this, [this, sessionId](Sluice::Job *job) {
        const auto *reply = static_cast<Sluice::ApiReply *>(job);
        if (reply->error().isError())
            return reportError(QStringLiteral("Creating the prompt"), reply->error());
        const Sluice::PromptInfo prompt = reply->prompt();
        m_sessions->addPrompt(prompt);
        Q_EMIT promptCreated(prompt);
        openPrompt(sessionId, prompt.id(), SessionsPanel::promptTitle(prompt.text()));
    });
}

void MainWindow::newSessionInteractive()
{
    bool ok = false;
    const QString title = QInputDialog::getText(this, QStringLiteral("New Session"),
                                                QStringLiteral("Session title:"), QLineEdit::Normal,
                                                QString(), &ok);
    if (ok)
        createSession(title.trimmed());
}

void MainWindow::newPromptInteractive()
{
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(
        this, QStringLiteral("New Prompt"),
        QStringLiteral("Prompt for the agent (in the selected session, or a new one):"),
        defaultPromptText, &ok);
    if (ok && !text.trimmed().isEmpty())
        createPrompt(m_sessions->currentSessionId(), text.trimmed());
}

void MainWindow::reportError(const QString &what, const Sluice::Error &error)
{
    qCWarning(lcViewer).noquote() << what << "failed:" << error.message();
    statusBar()->showMessage(QStringLiteral("%1 failed: %2").arg(what, error.message()), 15000);
}

QString MainWindow::connectionText() const
{
    switch (m_session->state()) {
    case Sluice::AuthSession::State::SignedOut:
        return QStringLiteral("signed out");
    case Sluice::AuthSession::State::SigningIn:
        return QStringLiteral("signing in");
    case Sluice::AuthSession::State::Expired:
        return QStringLiteral("sign-in expired, refreshing");
    case Sluice::AuthSession::State::SignedIn:
    case Sluice::AuthSession::State::Refreshing:
        break;
    }
    if (const PromptView *view = currentPromptView())
        return view->status().text();
    return QStringLiteral("signed in");
}

QString MainWindow::lastEventText() const
{
    const PromptView *view = currentPromptView();
    return view && m_session->isSignedIn() ? view->status().lastEventText() : QString();
}

void MainWindow::updateStatusBar()
{
    m_connectionLabel->setText(QStringLiteral("Stream: %1").arg(connectionText()));
    const QString lastEvent = lastEventText();
    m_lastEventLabel->setText(lastEvent);
    m_lastEventLabel->setVisible(!lastEvent.isEmpty());
    m_accountLabel->setText(m_session->isSignedIn() ? QStringLiteral("%1 @ %2").arg(
                                m_session->userName(), m_session->serverUrl().toDisplayString())
                                                    : QString());
    m_accountLabel->setVisible(m_session->isSignedIn());
}

void MainWindow::updateActions()
{
    const bool signedIn = m_session->isSignedIn();
    for (QAction *action : std::as_const(m_signedInActions))
        action->setEnabled(signedIn);
    m_signInAction->setEnabled(!signedIn);
    const bool hasTab = currentPromptView() != nullptr;
    for (QAction *action : std::as_const(m_tabActions))
        action->setEnabled(hasTab);
}

} // namespace SluiceViewer
