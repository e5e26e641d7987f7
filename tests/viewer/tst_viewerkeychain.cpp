// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// "Remember me" across a restart of the viewer, with the real Secret Service (GNOME Keyring on
// a private D-Bus session, started by tests/e2e/with-test-keyring.sh): the first window signs
// in with the password and "remember me"; a new window (new AuthSession, new token store: a
// new run of the app) signs in by itself, without the dialog; after signing out, the next one
// asks for the password again.
#include "viewertestsupport.h"

#include "mainwindow.h"
#include "sessionspanel.h"
#include "signindialog.h"

#include <Sluice/AuthSession.h>
#include <Sluice/KeychainTokenStore.h>

#include <QtCore/QUuid>
#include <QtGui/QStandardItemModel>
#include <QtTest/QTest>

using namespace SluiceViewer;
using namespace SluiceViewer::Test;
using Sluice::Test::waitUntil;

class tst_ViewerKeychain : public QObject
{
    Q_OBJECT

public:
    static void initMain() { isolateSettings(); }

private Q_SLOTS:
    void rememberMeSurvivesARestart()
    {
        DemoServer server;
        QString error;
        QVERIFY2(server.start({}, &error), qPrintable(error));
        // A service of this run's own: runs never see each other's entries.
        const QString service
            = QStringLiteral("sluice-viewer-test-") + QUuid::createUuid().toString(QUuid::Id128);
        ViewerOptions options;
        options.serverUrl = server.url();

        {
            Sluice::KeychainTokenStore store(service);
            MainWindow window(&store);
            window.show();
            window.start(options);
            QVERIFY(window.signInDialog()->isVisible());
            QVERIFY2(signInThroughDialog(window, server.url(), QStringLiteral("demo"),
                                         server.password(), true, &error),
                     qPrintable(error));
            QVERIFY(waitUntil([&] { return window.authSession()->isRemembered(); }));
            window.createSession(QStringLiteral("kept across restarts"));
            QVERIFY(waitUntil([&] { return window.sessionsPanel()->model()->rowCount() == 1; }));
            window.close();
        } // the application quits

        {
            Sluice::KeychainTokenStore store(service);
            MainWindow window(&store);
            window.show();
            window.start(options); // no password
            QVERIFY(waitUntil([&] { return window.authSession()->isSignedIn(); }));
            QVERIFY(!window.signInDialog()); // never asked
            QCOMPARE(window.authSession()->userName(), QStringLiteral("demo"));
            QVERIFY(waitUntil([&] {
                return window.sessionsPanel()->model()->rowCount() == 1
                    && !window.sessionsPanel()->isLoading();
            }));
            QCOMPARE(window.sessionsPanel()->model()->item(0)->text(),
                     QStringLiteral("kept across restarts"));
            QCOMPARE(window.connectionText(), QStringLiteral("signed in"));
            // Signing out forgets the sign-in, in the keychain too.
            window.signOut();
            QVERIFY(waitUntil(
                [&] { return window.signInDialog() && window.signInDialog()->isVisible(); }));
            QVERIFY(!window.authSession()->isRemembered());
            window.close();
        }

        Sluice::KeychainTokenStore store(service);
        MainWindow window(&store);
        window.show();
        window.start(options);
        QVERIFY(window.signInDialog() && window.signInDialog()->isVisible());
        QVERIFY(!window.authSession()->isSignedIn());
    }
};

QTEST_MAIN(tst_ViewerKeychain)
#include "tst_viewerkeychain.moc"
