// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "screenshotdriver.h"

#include "mainwindow.h"
#include "promptview.h"
#include "signindialog.h"
#include "timelinemodel.h"

#include <QtCore/QDir>
#include <QtGui/QPixmap>

#include <cstdio>

namespace SluiceViewer {

using namespace std::chrono_literals;

namespace {

// Long enough for a demo prompt at speed 1 under ASan on a loaded machine.
constexpr auto overallTimeout = 120s;
// Lets the view lay out and paint what just arrived before it is grabbed.
constexpr auto settleTime = 600ms;

bool showsToolWithResult(const TimelineModel *model)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->entry(row).kind == TimelineEntry::Kind::Tool && model->entry(row).hasResult)
            return true;
    }
    return false;
}

} // namespace

ScreenshotDriver::ScreenshotDriver(MainWindow *window, const ViewerOptions &options,
                                   const QString &password, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_options(options)
    , m_password(password)
{
    m_poll.setInterval(100ms);
    connect(&m_poll, &QTimer::timeout, this, &ScreenshotDriver::poll);
}

void ScreenshotDriver::start()
{
    m_deadline = QDeadlineTimer(overallTimeout);
    if (!QDir().mkpath(m_options.screenshotDir))
        return fail(QStringLiteral("cannot create %1").arg(m_options.screenshotDir));
    m_window->resize(1280, 800);
    m_window->show();
    m_window->start(m_options); // no password: the dialog opens, filled in below
    QTimer::singleShot(settleTime, this, [this] {
        SignInDialog *dialog = m_window->signInDialog();
        if (!dialog)
            return fail(QStringLiteral("the sign-in dialog did not open"));
        dialog->setPassword(m_password);
        QTimer::singleShot(settleTime, this, [this, dialog] {
            if (!save(dialog, QStringLiteral("signin.png")))
                return;
            dialog->signIn();
            m_poll.start();
        });
    });
}

void ScreenshotDriver::poll()
{
    if (m_finished)
        return;
    if (m_window->signInDialog() && m_window->signInDialog()->lastError().isError())
        return fail(QStringLiteral("sign-in failed: %1").arg(m_window->signInDialog()->message()));
    if (m_deadline.hasExpired())
        return fail(QStringLiteral("the prompt did not finish within %1 s")
                        .arg(std::chrono::seconds(overallTimeout).count()));
    PromptView *view = m_window->currentPromptView();
    if (!view)
        return;
    if (!m_liveSaved && !view->isDone() && showsToolWithResult(view->model())) {
        m_liveSaved = true;
        m_poll.stop();
        QTimer::singleShot(settleTime, this, [this] {
            if (save(m_window, QStringLiteral("stream-live.png")))
                m_poll.start();
        });
        return;
    }
    if (view->isDone() && view->model()->pendingCount() == 0) {
        m_poll.stop();
        QTimer::singleShot(settleTime, this, [this] {
            if (!save(m_window, QStringLiteral("stream-done.png")))
                return;
            if (!m_liveSaved) // a prompt too fast to catch mid-stream still gets its picture
                save(m_window, QStringLiteral("stream-live.png"));
            m_finished = true;
            Q_EMIT finished(0);
        });
    }
}

bool ScreenshotDriver::save(QWidget *widget, const QString &name)
{
    const QString path = QDir(m_options.screenshotDir).filePath(name);
    if (!widget->grab().save(path, "PNG")) {
        fail(QStringLiteral("cannot write %1").arg(path));
        return false;
    }
    std::printf("screenshot: %s\n", qPrintable(QDir::toNativeSeparators(path)));
    std::fflush(stdout);
    return true;
}

void ScreenshotDriver::fail(const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_poll.stop();
    std::fprintf(stderr, "sluice-viewer --screenshot: %s\n", qPrintable(reason));
    Q_EMIT finished(1);
}

} // namespace SluiceViewer
