// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// Helpers of the sluice-viewer tests: the real sluice-server in demo mode (ServerProcess),
// settings kept out of the user's home, and ways to drive the real MainWindow.

#include "support/e2esupport.h"
#include "timelineentry.h"

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

namespace SluiceViewer {
class MainWindow;
class PromptView;
class TimelineModel;
} // namespace SluiceViewer

namespace SluiceViewer::Test {

// sluice-server --demo on 127.0.0.1 with the demo user's password read from its output.
class DemoServer
{
public:
    bool start(const QStringList &extraArgs, QString *error);
    Sluice::Test::ServerProcess &process() { return m_process; }
    QUrl url() const { return m_process.baseUrl(); }
    QString password() const { return m_password; }

private:
    Sluice::Test::ServerProcess m_process;
    QString m_password;
};

// QSettings of this test process go to a temporary directory (call from initMain(), before
// the application object exists).
void isolateSettings();

// Fills the window's sign-in dialog and signs in; false (with *error) when it did not work.
bool signInThroughDialog(MainWindow &window, const QUrl &url, const QString &user,
                         const QString &password, bool remember, QString *error);

// The first row of `kind` at or after `from` in the model, -1 when none.
int findRow(const TimelineModel *model, TimelineEntry::Kind kind, int from = 0);
// The ids of every event the model holds, in order.
QList<qint64> eventIds(const TimelineModel *model);
// 1, 2, ..., n without gaps or repeats.
bool isOneToN(const QList<qint64> &ids);

} // namespace SluiceViewer::Test
