// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// EpollEventDispatcher as the main thread's dispatcher (installed before QCoreApplication, as
// sluice-server does): timers (single-shot, repeating, stopped and restarted from slots,
// remainingTime, registeredTimers), socket notifiers (level-triggered, disabled and re-enabled,
// deleted from their own slot), wake-ups from another thread, deleteLater, and a TCP round trip.
// The server's whole test suite also runs on it.
#include "http/epolleventdispatcher.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using Sluice::Server::EpollEventDispatcher;

class tst_EpollEventDispatcher : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isInstalled()
    {
        QVERIFY(dynamic_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
    }

    void timers()
    {
        int single = 0;
        QTimer::singleShot(30, this, [&single] { ++single; });
        QTimer repeating;
        int ticks = 0;
        connect(&repeating, &QTimer::timeout, this, [&] {
            if (++ticks == 3)
                repeating.stop(); // stopped from its own slot
        });
        repeating.start(10);
        QElapsedTimer clock;
        clock.start();
        QTRY_COMPARE_WITH_TIMEOUT(single, 1, 5000);
        QVERIFY(clock.elapsed() >= 25);
        QTRY_COMPARE_WITH_TIMEOUT(ticks, 3, 5000);
        QTest::qWait(50);
        QCOMPARE(ticks, 3);
        QCOMPARE(single, 1);

        QTimer later;
        later.setSingleShot(true);
        later.start(10000);
        const int left = later.remainingTime();
        QVERIFY2(left > 9000 && left <= 10000, qPrintable(QString::number(left)));
        auto *dispatcher = QAbstractEventDispatcher::instance();
        QCOMPARE(dispatcher->registeredTimers(&later).size(), 1);
        QCOMPARE(dispatcher->registeredTimers(&later).first().interval, 10000);
        later.stop();
        QVERIFY(dispatcher->registeredTimers(&later).isEmpty());
        QCOMPARE(later.remainingTime(), -1);
    }

    void timerRestartedInItsSlotWaitsForTheNextTurn()
    {
        // A zero-interval timer restarting itself must not starve everything else.
        QTimer busy;
        int busyTicks = 0;
        connect(&busy, &QTimer::timeout, this, [&] {
            ++busyTicks;
            busy.start(0);
        });
        busy.start(0);
        bool other = false;
        QTimer::singleShot(20, this, [&other] { other = true; });
        QTRY_VERIFY_WITH_TIMEOUT(other, 5000);
        busy.stop();
        QVERIFY(busyTicks > 1);
    }

    void socketNotifiers()
    {
        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        QSocketNotifier reader(fds[0], QSocketNotifier::Read);
        QSocketNotifier writer(fds[0], QSocketNotifier::Write);
        QSignalSpy reads(&reader, &QSocketNotifier::activated);
        QSignalSpy writes(&writer, &QSocketNotifier::activated);
        QTRY_VERIFY_WITH_TIMEOUT(writes.count() > 0, 5000); // writable at once
        writer.setEnabled(false);
        QCOMPARE(reads.count(), 0);
        QCOMPARE(::write(fds[1], "x", 1), 1);
        QTRY_VERIFY_WITH_TIMEOUT(reads.count() > 0, 5000);
        // Level-triggered: unread data is reported again; disabled notifiers are not activated.
        const int before = reads.count();
        QTest::qWait(30);
        QVERIFY(reads.count() > before);
        reader.setEnabled(false);
        QTest::qWait(20);
        const int disabledAt = reads.count();
        QTest::qWait(30);
        QCOMPARE(reads.count(), disabledAt);
        char byte = 0;
        QCOMPARE(::read(fds[0], &byte, 1), 1);
        reader.setEnabled(true);
        QTest::qWait(30);
        QCOMPARE(reads.count(), disabledAt); // nothing left to read

        // A notifier deleted by its own slot, and a new one on the same descriptor.
        auto *once = new QSocketNotifier(fds[0], QSocketNotifier::Exception);
        delete once;
        QPointer<QSocketNotifier> self = new QSocketNotifier(fds[1], QSocketNotifier::Read);
        connect(self, &QSocketNotifier::activated, self, [&self] { delete self; });
        QCOMPARE(::write(fds[0], "y", 1), 1);
        QTRY_VERIFY_WITH_TIMEOUT(self.isNull(), 5000);
        ::close(fds[0]);
        ::close(fds[1]);
    }

    void wakeUpFromAnotherThread()
    {
        bool ran = false;
        std::thread poster([this, &ran] {
            QMetaObject::invokeMethod(
                this, [&ran] { ran = true; }, Qt::QueuedConnection);
        });
        QTRY_VERIFY_WITH_TIMEOUT(ran, 5000);
        poster.join();
    }

    void deleteLaterIsProcessed()
    {
        QPointer<QObject> object = new QObject;
        object->deleteLater();
        QTRY_VERIFY_WITH_TIMEOUT(object.isNull(), 5000);
    }

    void tcpRoundTrip()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QTcpServer::newConnection, this, [&server] {
            QTcpSocket *peer = server.nextPendingConnection();
            connect(peer, &QTcpSocket::readyRead, peer, [peer] { peer->write(peer->readAll()); });
        });
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(client.waitForConnected(5000));
        const QByteArray payload(256 * 1024, 'z'); // more than one write's worth
        client.write(payload);
        QByteArray echoed;
        QTRY_VERIFY_WITH_TIMEOUT((echoed += client.readAll()).size() >= payload.size(), 10000);
        QCOMPARE(echoed, payload);
    }
};

int main(int argc, char **argv)
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    tst_EpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolleventdispatcher.moc"
