// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "viewertestsupport.h"

#include "mainwindow.h"
#include "signindialog.h"
#include "timelinemodel.h"

#include <Sluice/AuthSession.h>

#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>

namespace SluiceViewer::Test {

bool DemoServer::start(const QStringList &extraArgs, QString *error)
{
    if (!m_process.start(QStringList { QStringLiteral("--demo") } + extraArgs)) {
        *error = m_process.errorString();
        return false;
    }
    // Printed once at startup, right after the listening line.
    static const QRegularExpression demoLine(
        QStringLiteral("demo user: demo  password: (\\S+)\\n"));
    const bool found = Sluice::Test::waitUntil([this] {
        m_password = demoLine.match(m_process.logOutput()).captured(1);
        return !m_password.isEmpty();
    });
    if (!found)
        *error = QStringLiteral("no demo password in: %1").arg(m_process.logOutput());
    return found;
}

void isolateSettings()
{
    static QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(config.path()));
}

bool signInThroughDialog(MainWindow &window, const QUrl &url, const QString &user,
                         const QString &password, bool remember, QString *error)
{
    if (!window.signInDialog() || !window.signInDialog()->isVisible())
        window.showSignIn();
    SignInDialog *dialog = window.signInDialog();
    dialog->setServerUrl(url);
    dialog->setUserName(user);
    dialog->setPassword(password);
    dialog->setRemember(remember);
    dialog->signIn();
    const bool done = Sluice::Test::waitUntil([&] { return !dialog->isBusy(); });
    if (!done || dialog->lastError().isError() || !window.authSession()->isSignedIn()) {
        *error = QStringLiteral("sign-in failed: %1").arg(dialog->message());
        return false;
    }
    return true;
}

int findRow(const TimelineModel *model, TimelineEntry::Kind kind, int from)
{
    for (int row = from; row < model->rowCount(); ++row) {
        if (model->entry(row).kind == kind)
            return row;
    }
    return -1;
}

QList<qint64> eventIds(const TimelineModel *model)
{
    QList<qint64> ids;
    const QList<Sluice::Event> events = model->events();
    for (const Sluice::Event &event : events)
        ids.append(event.lastEventId().toLongLong());
    return ids;
}

bool isOneToN(const QList<qint64> &ids)
{
    for (qsizetype i = 0; i < ids.size(); ++i) {
        if (ids.at(i) != i + 1)
            return false;
    }
    return true;
}

} // namespace SluiceViewer::Test
