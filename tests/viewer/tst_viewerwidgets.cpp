// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The real sluice-viewer window (offscreen) with the real SDK against the real sluice-server in
// demo mode: the sign-in dialog's errors, a demo prompt followed to `done` (an assembled text
// row, tool cards with their input and result, status bar), filter and search, copy and export,
// a replay from the sessions panel in cookie mode, a reconnection after a cut without duplicate
// rows, sign-out.
#include "viewertestsupport.h"

#include "mainwindow.h"
#include "promptview.h"
#include "sessionspanel.h"
#include "signindialog.h"
#include "timelinefiltermodel.h"
#include "timelinemodel.h"
#include "timelineview.h"

#include "support/chaosproxy.h"
#include "support/httpclient.h"

#include <Sluice/AuthSession.h>
#include <Sluice/MemoryTokenStore.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtGui/QStandardItemModel>
#include <QtNetwork/QTcpServer>
#include <QtTest/QTest>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QTreeView>

using namespace SluiceViewer;
using namespace SluiceViewer::Test;
using Sluice::Test::waitUntil;
using Kind = TimelineEntry::Kind;
using Group = TimelineFilterModel::Group;

namespace {

const QString PromptText = QStringLiteral("Summarise the entry point");
const QString OtherUser = QStringLiteral("mallory");
const QString OtherPassword = QStringLiteral("mallory's long password");

QString withoutWhitespace(const QString &text)
{
    QString result;
    for (const QChar c : text) {
        if (!c.isSpace())
            result.append(c);
    }
    return result;
}

// The prompt's last `message` with `final`: the agent's whole answer.
QString finalText(const TimelineModel *model)
{
    const QList<Sluice::Event> events = model->events();
    for (auto it = events.crbegin(); it != events.crend(); ++it) {
        const QJsonObject data = QJsonDocument::fromJson(it->data().toUtf8()).object();
        if (it->type() == QLatin1String("message") && data.value(QLatin1String("final")).toBool())
            return data.value(QLatin1String("text")).toString();
    }
    return {};
}

bool isFinished(const PromptView *view)
{
    return view && view->isDone() && view->model()->pendingCount() == 0
        && view->stream()->state() == Sluice::PromptStream::State::Finished;
}

} // namespace

class tst_ViewerWidgets : public QObject
{
    Q_OBJECT

public:
    static void initMain() { isolateSettings(); }

private Q_SLOTS:
    void initTestCase();
    void wrongPasswordSaysSo();
    void unreachableServerSaysSo();
    void tlsFailureSaysSo();
    void rateLimitShowsTheWait();
    void followsADemoPromptToDone();
    void filterAndSearch();
    void copyAndExport();
    void reopenFromThePanelReplaysInCookieMode();
    void reconnectsAfterACutWithoutDuplicates();
    void signOutClosesEverything();
    void pagesThroughSessionsAndPrompts();
    void cleanupTestCase();

private:
    SignInDialog *failSignIn(const QUrl &url, const QString &user, const QString &password);

    DemoServer m_server;
    Sluice::MemoryTokenStore m_store;
    std::unique_ptr<MainWindow> m_window;
    QString m_promptId;
};

void tst_ViewerWidgets::initTestCase()
{
    QString error;
    // --sse-retry: reconnections after the cut below come quickly; --cookie-mode for the replay.
    QVERIFY2(m_server.start({ QStringLiteral("--demo-speed"), QStringLiteral("2"),
                              QStringLiteral("--sse-retry"), QStringLiteral("200ms"),
                              QStringLiteral("--cookie-mode"), QStringLiteral("on"),
                              QStringLiteral("--login-max-failures"), QStringLiteral("3") },
                            &error),
             qPrintable(error));
    QVERIFY2(m_server.process().addUser(OtherUser, OtherPassword),
             qPrintable(m_server.process().errorString()));
    m_window = std::make_unique<MainWindow>(&m_store);
    m_window->show();
    ViewerOptions options;
    options.serverUrl = m_server.url();
    m_window->start(options);
    QVERIFY(m_window->signInDialog());
    QVERIFY(m_window->signInDialog()->isVisible());
    QCOMPARE(m_window->signInDialog()->serverUrl(), m_server.url());
    QCOMPARE(m_window->connectionText(), QStringLiteral("signed out"));
}

SignInDialog *tst_ViewerWidgets::failSignIn(const QUrl &url, const QString &user,
                                            const QString &password)
{
    QString error;
    if (signInThroughDialog(*m_window, url, user, password, false, &error))
        return nullptr;
    SignInDialog *dialog = m_window->signInDialog();
    return dialog->isVisible() ? dialog : nullptr;
}

void tst_ViewerWidgets::wrongPasswordSaysSo()
{
    SignInDialog *dialog
        = failSignIn(m_server.url(), QStringLiteral("demo"), QStringLiteral("not the password"));
    QVERIFY(dialog);
    QCOMPARE(dialog->lastError().kind(), Sluice::Error::Kind::InvalidCredentials);
    QCOMPARE(dialog->message(), QStringLiteral("Wrong user name or password."));
    QVERIFY(dialog->signInButton()->isEnabled());
}

void tst_ViewerWidgets::unreachableServerSaysSo()
{
    QTcpServer reserve; // a port nobody listens on once closed
    QVERIFY(reserve.listen(QHostAddress::LocalHost, 0));
    const QUrl url(QStringLiteral("http://127.0.0.1:%1").arg(reserve.serverPort()));
    reserve.close();
    SignInDialog *dialog = failSignIn(url, QStringLiteral("demo"), m_server.password());
    QVERIFY(dialog);
    QCOMPARE(dialog->lastError().kind(), Sluice::Error::Kind::Network);
    QVERIFY2(dialog->message().startsWith(
                 QStringLiteral("Cannot reach the server at %1").arg(url.toString())),
             qPrintable(dialog->message()));
}

void tst_ViewerWidgets::tlsFailureSaysSo()
{
    QUrl url = m_server.url();
    url.setScheme(QStringLiteral("https")); // a plain-HTTP port: the handshake fails
    SignInDialog *dialog = failSignIn(url, QStringLiteral("demo"), m_server.password());
    QVERIFY(dialog);
    QCOMPARE(dialog->lastError().kind(), Sluice::Error::Kind::Tls);
    QVERIFY2(dialog->message().startsWith(QStringLiteral("The secure connection to")),
             qPrintable(dialog->message()));
}

void tst_ViewerWidgets::rateLimitShowsTheWait()
{
    SignInDialog *dialog = nullptr;
    for (int i = 0; i < 3; ++i) {
        dialog = failSignIn(m_server.url(), OtherUser, QStringLiteral("guess %1").arg(i));
        QVERIFY(dialog);
        QCOMPARE(dialog->lastError().kind(), Sluice::Error::Kind::InvalidCredentials);
    }
    dialog = failSignIn(m_server.url(), OtherUser, OtherPassword);
    QVERIFY(dialog);
    QCOMPARE(dialog->lastError().kind(), Sluice::Error::Kind::RateLimited);
    QVERIFY2(
        dialog->message().startsWith(QStringLiteral("Too many failed sign-ins. Try again in ")),
        qPrintable(dialog->message()));
    QVERIFY(!dialog->signInButton()->isEnabled()); // until the wait is over
    QCOMPARE(m_window->connectionText(), QStringLiteral("signed out"));
}

void tst_ViewerWidgets::followsADemoPromptToDone()
{
    QString error;
    QVERIFY2(signInThroughDialog(*m_window, m_server.url(), QStringLiteral("demo"),
                                 m_server.password(), false, &error),
             qPrintable(error));
    QVERIFY(!m_window->signInDialog()->isVisible());
    QCOMPARE(m_window->connectionText(), QStringLiteral("signed in"));
    QCOMPARE(m_window->streamMode(), Sluice::PromptStream::Mode::StreamToken);

    QElapsedTimer clock;
    clock.start();
    m_window->createPrompt({}, PromptText);
    QVERIFY(waitUntil([&] { return m_window->currentPromptView() != nullptr; }));
    PromptView *view = m_window->currentPromptView();
    m_promptId = view->promptId();
    QVERIFY(waitUntil([&] { return isFinished(view); }));
    qInfo("time to done: %lld ms (new prompt to the done row, --demo-speed 2, %d events)",
          clock.elapsed(), view->model()->eventCount());

    const TimelineModel *model = view->model();
    QVERIFY(isOneToN(eventIds(model)));
    QCOMPARE(model->entry(0).kind, Kind::Status);
    QCOMPARE(model->entry(0).text, QStringLiteral("running"));
    // The first message, assembled from its word-sized deltas into one row.
    const int text = findRow(model, Kind::Text);
    QCOMPARE(text, 1);
    QCOMPARE(model->entry(text).text,
             QStringLiteral("Let me look at the project first to answer \"%1\".").arg(PromptText));
    QVERIFY(model->entry(text).events.size() > 5);
    // A tool card with its input and, attached, its result.
    const int read = findRow(model, Kind::Tool);
    QVERIFY(read > text);
    QCOMPARE(model->entry(read).toolName, QStringLiteral("read_file"));
    QVERIFY(model->entry(read).toolUseId.startsWith(QStringLiteral("toolu_")));
    QVERIFY(
        model->entry(read).toolInput.contains(QStringLiteral("\"path\": \"server/src/main.cpp\"")));
    QVERIFY(model->entry(read).hasResult);
    QVERIFY(!model->entry(read).resultIsError);
    QVERIFY(model->entry(read).resultText.contains(QStringLiteral("sluice-server entry point")));
    const int run = findRow(model, Kind::Tool, read + 1);
    QCOMPARE(model->entry(run).toolName, QStringLiteral("run_command"));
    QVERIFY(model->entry(run).resultText.contains(QStringLiteral("100% tests passed")));
    QCOMPARE(findRow(model, Kind::ToolResult), -1); // every result found its card
    // The text rows say what the final message says, which confirms the last of them.
    QString said;
    int lastText = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->entry(row).kind == Kind::Text) {
            said += model->entry(row).text;
            lastText = row;
        }
    }
    QCOMPARE(withoutWhitespace(said), withoutWhitespace(finalText(model)));
    QVERIFY(model->entry(lastText).final);
    const TimelineEntry &done = model->entry(model->rowCount() - 1);
    QCOMPARE(done.kind, Kind::Done);
    QVERIFY2(done.text.startsWith(QStringLiteral("end_turn · ")), qPrintable(done.text));

    // Status bar, panel, and the view followed the live end.
    QCOMPARE(m_window->connectionText(), QStringLiteral("ended"));
    QVERIFY(waitUntil([&] {
        return m_window->lastEventText()
            == QStringLiteral("last event %1").arg(model->lastEventId());
    }));
    QStandardItem *item = m_window->sessionsPanel()->promptItem(m_promptId);
    QVERIFY(item);
    QCOMPARE(item->parent()->child(item->row(), 1)->text(), QStringLiteral("done"));
    TimelineView *timeline = view->view();
    QVERIFY(timeline->isFollowing());
    QVERIFY(!view->jumpToLiveButton()->isVisible());
    const QModelIndex last = view->filterModel()->index(view->filterModel()->rowCount() - 1, 0);
    QVERIFY(waitUntil(
        [&] { return timeline->viewport()->rect().intersects(timeline->visualRect(last)); }));
    // Rows are taller than a line where their content is (the delegate laid them out).
    const int lineHeight = timeline->fontMetrics().height();
    QVERIFY(timeline->visualRect(view->filterModel()->index(read, 0)).height() > 6 * lineHeight);
    QVERIFY(!timeline->grab().isNull());
}

void tst_ViewerWidgets::filterAndSearch()
{
    PromptView *view = m_window->promptView(m_promptId);
    QVERIFY(view);
    TimelineFilterModel *filter = view->filterModel();
    const int all = filter->rowCount();
    QCOMPARE(all, view->model()->rowCount());

    view->groupToggle(Group::Tools)->click();
    QCOMPARE(filter->rowCount(), all - 2);
    for (int row = 0; row < filter->rowCount(); ++row)
        QVERIFY(filter->index(row, 0).data(TimelineModel::KindRole).toInt() != int(Kind::Tool));
    view->groupToggle(Group::Messages)->click();
    view->groupToggle(Group::Status)->click();
    QCOMPARE(filter->rowCount(), 1); // done
    for (const Group group : { Group::Tools, Group::Messages, Group::Status })
        view->groupToggle(group)->click();
    QCOMPARE(filter->rowCount(), all);

    // Ctrl+F goes to the search box; typing filters: the run_command card (its result) and the
    // answer that mentions it.
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    m_window->findChild<QAction *>(QStringLiteral("actionFind"))->trigger();
    QVERIFY(view->searchField()->hasFocus());
    QTest::keyClicks(view->searchField(), QStringLiteral("TST_STREAMS"));
    QCOMPARE(filter->rowCount(), 2);
    QCOMPARE(filter->index(0, 0).data(TimelineModel::ToolNameRole).toString(),
             QStringLiteral("run_command"));
    QCOMPARE(filter->index(1, 0).data(TimelineModel::KindRole).toInt(), int(Kind::Text));
    view->searchField()->clear();
    QCOMPARE(filter->rowCount(), all);
}

void tst_ViewerWidgets::copyAndExport()
{
    PromptView *view = m_window->promptView(m_promptId);
    const TimelineModel *model = view->model();
    // Copy: the selected tool card's two events, as JSON lines.
    const int read = findRow(model, Kind::Tool);
    view->view()->setCurrentIndex(view->filterModel()->index(read, 0));
    m_window->findChild<QAction *>(QStringLiteral("actionCopy"))->trigger();
    const QStringList copied
        = QGuiApplication::clipboard()->text().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(copied.size(), 2);
    QCOMPARE(QJsonDocument::fromJson(copied.at(0).toUtf8()).object().value(u"type").toString(),
             QStringLiteral("tool_use"));
    QCOMPARE(QJsonDocument::fromJson(copied.at(1).toUtf8()).object().value(u"type").toString(),
             QStringLiteral("tool_result"));

    // Export: every event of the prompt, one JSON line each, in order.
    QTemporaryDir dir;
    const QString path = dir.filePath(view->suggestedExportName());
    QString error;
    QVERIFY2(view->exportTo(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.size(), model->eventCount() + 1); // each line ends with '\n'
    QVERIFY(lines.constLast().isEmpty());
    const QList<Sluice::Event> events = model->events();
    for (int i = 0; i < model->eventCount(); ++i) {
        QJsonParseError parseError;
        const QJsonObject line = QJsonDocument::fromJson(lines.at(i), &parseError).object();
        QCOMPARE(parseError.error, QJsonParseError::NoError);
        QCOMPARE(line.size(), 3);
        QCOMPARE(line.value(u"id").toString(), QString::number(i + 1));
        QCOMPARE(line.value(u"type").toString(), events.at(i).type());
        QCOMPARE(line.value(u"data").toString(), events.at(i).data());
    }
    QCOMPARE(QJsonDocument::fromJson(lines.constFirst()).object().value(u"type").toString(),
             QStringLiteral("status"));
    QCOMPARE(QJsonDocument::fromJson(lines.at(lines.size() - 2)).object().value(u"type").toString(),
             QStringLiteral("done"));
}

void tst_ViewerWidgets::reopenFromThePanelReplaysInCookieMode()
{
    const PromptView *first = m_window->promptView(m_promptId);
    const QList<qint64> ids = eventIds(first->model());
    const int rows = first->model()->rowCount();
    m_window->closeTab(m_window->tabs()->currentIndex());
    QCOMPARE(m_window->tabs()->count(), 0);
    QCOMPARE(m_window->connectionText(), QStringLiteral("signed in"));

    m_window->setStreamMode(Sluice::PromptStream::Mode::Cookie);
    QTreeView *tree = m_window->sessionsPanel()->tree();
    const QModelIndex index = m_window->sessionsPanel()->promptItem(m_promptId)->index();
    tree->scrollTo(index);
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(index).center());
    QCOMPARE(m_window->tabs()->count(), 1);
    PromptView *view = m_window->currentPromptView();
    QCOMPARE(view->promptId(), m_promptId);
    QCOMPARE(view->stream()->mode(), Sluice::PromptStream::Mode::Cookie);
    QVERIFY(waitUntil([&] { return isFinished(view); }));
    QCOMPARE(eventIds(view->model()), ids);
    QCOMPARE(view->model()->rowCount(), rows);
    // Activating it again shows the same tab, not a second one.
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(index).center());
    QCOMPARE(m_window->tabs()->count(), 1);
    m_window->setStreamMode(Sluice::PromptStream::Mode::StreamToken);
}

void tst_ViewerWidgets::reconnectsAfterACutWithoutDuplicates()
{
    // A second window, signed in through a proxy that can drop every connection at once.
    Sluice::Test::ChaosProxy proxy;
    QVERIFY(proxy.listen());
    proxy.setTargetPort(m_server.process().port());
    const QUrl proxied(QStringLiteral("http://127.0.0.1:%1").arg(proxy.port()));
    Sluice::MemoryTokenStore store;
    MainWindow window(&store);
    window.show();
    window.start({});
    QString error;
    QVERIFY2(signInThroughDialog(window, proxied, QStringLiteral("demo"), m_server.password(),
                                 false, &error),
             qPrintable(error));
    window.setStreamMode(Sluice::PromptStream::Mode::Header);
    window.createPrompt({}, QStringLiteral("Cut me off"));
    QVERIFY(waitUntil([&] { return window.currentPromptView() != nullptr; }));
    PromptView *view = window.currentPromptView();
    QStringList states;
    connect(view, &PromptView::statusChanged, this, [&] {
        if (states.isEmpty() || states.constLast() != window.connectionText())
            states.append(window.connectionText());
    });
    QVERIFY(waitUntil(
        [&] { return view->model()->eventCount() + view->model()->pendingCount() >= 5; }));
    QVERIFY(!view->isDone());
    QVERIFY(proxy.cutAll() > 0);
    QVERIFY(waitUntil([&] { return isFinished(view); }));

    const QString seen = states.join(QStringLiteral(" | "));
    QVERIFY2(seen.contains(QStringLiteral("reconnecting")), qPrintable(seen));
    QVERIFY2(states.constLast() == QStringLiteral("ended"), qPrintable(seen));
    QVERIFY2(isOneToN(eventIds(view->model())), qPrintable(seen));
    const TimelineModel *model = view->model();
    QCOMPARE(model->entry(model->rowCount() - 1).kind, Kind::Done);
    QString said;
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->entry(row).kind == Kind::Text)
            said += model->entry(row).text;
    }
    QCOMPARE(withoutWhitespace(said), withoutWhitespace(finalText(model)));
}

void tst_ViewerWidgets::signOutClosesEverything()
{
    QVERIFY(m_window->tabs()->count() > 0);
    m_window->signOut();
    QVERIFY(waitUntil([&] { return m_window->signInDialog()->isVisible(); }));
    QVERIFY(!m_window->authSession()->isSignedIn());
    QCOMPARE(m_window->tabs()->count(), 0);
    QCOMPARE(m_window->sessionsPanel()->model()->rowCount(), 0);
    QCOMPARE(m_window->connectionText(), QStringLiteral("signed out"));
    QCOMPARE(m_window->signInDialog()->userName(), QStringLiteral("demo"));
}

// Sessions a page at a time behind a "More sessions…" row; every page of a session's prompts.
void tst_ViewerWidgets::pagesThroughSessionsAndPrompts()
{
    const QString user = QStringLiteral("pager");
    const QString password = QStringLiteral("pager-password-1");
    QVERIFY2(m_server.process().addUser(user, password),
             qPrintable(m_server.process().errorString()));
    Sluice::Test::HttpClient http(m_server.url());
    const QByteArray token = http.login(user, password);
    QVERIFY(!token.isEmpty());
    QString oldest;
    for (int i = 0; i < 25; ++i) {
        const auto session
            = http.postJson(QStringLiteral("/api/claude-code/sessions"),
                            { { QStringLiteral("title"), QStringLiteral("s%1").arg(i) } },
                            Sluice::Test::HttpClient::bearer(token));
        QCOMPARE(session.status, 201);
        if (i == 0)
            oldest = session.object().value(QStringLiteral("id")).toString();
    }
    QStringList prompts;
    for (int i = 0; i < 25; ++i) {
        const auto prompt
            = http.postJson(QStringLiteral("/api/claude-code/sessions/%1/prompts").arg(oldest),
                            { { QStringLiteral("text"), QStringLiteral("p%1").arg(i) } },
                            Sluice::Test::HttpClient::bearer(token));
        QCOMPARE(prompt.status, 201);
        prompts.append(prompt.object().value(QStringLiteral("id")).toString());
    }

    SessionsPanel *panel = m_window->sessionsPanel();
    panel->setPageSize(10);
    QString error;
    QVERIFY2(signInThroughDialog(*m_window, m_server.url(), user, password, false, &error),
             qPrintable(error));
    QVERIFY(waitUntil([&] { return !panel->isLoading() && panel->model()->rowCount() > 0; }));
    QCOMPARE(panel->model()->rowCount(), 11); // 10 sessions and "More sessions…"
    QVERIFY(panel->moreSessionsItem());
    QVERIFY(!panel->sessionItem(oldest));
    for (int page = 2; page <= 3; ++page) {
        QTreeView *tree = panel->tree();
        const QModelIndex more = panel->moreSessionsItem()->index();
        tree->scrollTo(more);
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(more).center());
        QVERIFY(waitUntil([&] { return !panel->isLoading(); }));
    }
    QCOMPARE(panel->model()->rowCount(), 25);
    QVERIFY(!panel->moreSessionsItem());

    QStandardItem *session = panel->sessionItem(oldest);
    QVERIFY(session);
    panel->tree()->expand(session->index());
    QVERIFY(waitUntil([&] { return !panel->isLoading() && session->rowCount() == 25; }));
    for (int i = 0; i < prompts.size(); ++i)
        QCOMPARE(session->child(i)->data(SessionsPanel::IdRole).toString(), prompts.at(i));
    panel->setPageSize(100);
}

void tst_ViewerWidgets::cleanupTestCase()
{
    m_window.reset();
}

QTEST_MAIN(tst_ViewerWidgets)
#include "tst_viewerwidgets.moc"
