// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "commandline.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QObject>
#include <QtCore/QTimer>

QT_BEGIN_NAMESPACE
class QWidget;
QT_END_NAMESPACE

namespace SluiceViewer {

class MainWindow;

// --screenshot DIR (scripts/dev screenshot): drives the real window like a user would and saves
// what a person should look at: signin.png (the dialog, filled in), stream-live.png (a prompt
// while it streams, a tool card with its result in view) and stream-done.png (after `done`).
// finished(0) when all three are saved; finished(1) with a reason on stderr otherwise.
class ScreenshotDriver : public QObject
{
    Q_OBJECT
public:
    ScreenshotDriver(MainWindow *window, const ViewerOptions &options, const QString &password,
                     QObject *parent = nullptr);

    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    bool save(QWidget *widget, const QString &name);
    void fail(const QString &reason);
    void poll();

    MainWindow *m_window;
    ViewerOptions m_options;
    QString m_password;
    QTimer m_poll;
    QDeadlineTimer m_deadline;
    bool m_liveSaved = false;
    bool m_finished = false;
};

} // namespace SluiceViewer
