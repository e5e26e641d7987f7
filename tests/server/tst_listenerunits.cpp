// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Listener building blocks (unit): where a request head ends in any chunking, the per-address key
// (IPv6 per /64), the connection cap that fits the open-file limit, and the shared deadline keeper
// (one timer, deadlines fire once, disarm/remove win, the timer stops with nothing to watch), and
// the cap on rejected sockets that linger to flush their 503.
#include "http/addresskey.h"
#include "http/connectiondeadlines.h"
#include "http/filelimits.h"
#include "http/listener.h"
#include "http/requestheadscanner.h"

#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QtTest>

using namespace Sluice::Server;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(Sluice::Server::ConnectionDeadlines::Kind)

class TestListenerUnits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void headScannerFindsTheEndOfTheHead_data();
    void headScannerFindsTheEndOfTheHead();
    void headScannerNeedsAnEmptyLine();
    void addressKeys();
    void connectionCapFitsTheOpenFileLimit();
    void deadlinesFireOnceFromOneTimer();
    void disarmedAndRemovedDeadlinesDoNotFire();
    void lingeringRejectsAreCapped();
};

void TestListenerUnits::initTestCase()
{
    qRegisterMetaType<QTcpSocket *>();
    qRegisterMetaType<ConnectionDeadlines::Kind>();
}

void TestListenerUnits::headScannerFindsTheEndOfTheHead_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<qsizetype>("headEnd"); // bytes up to and including the end of the head

    const QByteArray crlf = "GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
    QTest::newRow("crlf") << crlf << crlf.size();
    QTest::newRow("crlf + body") << crlf + "{\"a\":\"\r\n\r\n\"}" << crlf.size();
    const QByteArray lf = "GET / HTTP/1.1\nHost: x\n\n";
    QTest::newRow("bare lf") << lf << lf.size();
    const QByteArray noHeaders = "GET / HTTP/1.0\r\n\r\n";
    QTest::newRow("no headers") << noHeaders << noHeaders.size();
    const QByteArray mixed = "GET / HTTP/1.1\r\nHost: x\n\r\n";
    QTest::newRow("lf then crlf") << mixed << mixed.size();
    // Whitespace left over from a previous request is skipped, like QHttpServer does.
    const QByteArray leading = "\r\n\r\n  GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    QTest::newRow("leading blank lines") << leading << leading.size();
}

void TestListenerUnits::headScannerFindsTheEndOfTheHead()
{
    QFETCH(QByteArray, stream);
    QFETCH(qsizetype, headEnd);
    for (qsizetype chunk :
         { qsizetype(1), qsizetype(2), qsizetype(3), qsizetype(7), stream.size() }) {
        RequestHeadScanner scanner;
        qsizetype fed = 0;
        bool complete = false;
        while (fed < stream.size() && !complete) {
            const QByteArray piece = stream.mid(fed, chunk);
            complete = scanner.feed(piece);
            fed += piece.size();
            // Never complete before the end of the head has been fed.
            QVERIFY2(!complete || fed >= headEnd, qPrintable(QString::number(chunk)));
        }
        QVERIFY2(complete, qPrintable(QStringLiteral("chunk %1").arg(chunk)));
        QCOMPARE(scanner.scanned(), headEnd);
        QVERIFY(scanner.isComplete());
        scanner.reset();
        QVERIFY(!scanner.isComplete());
        QCOMPARE(scanner.scanned(), 0);
    }
}

void TestListenerUnits::headScannerNeedsAnEmptyLine()
{
    RequestHeadScanner scanner;
    // One byte at a time, forever: a slowloris head never completes.
    const QByteArray trickle = "GET / HTTP/1.1\r\nHost: x\r\nX-a: b\r\nX-c: d\r\r\nX-e: ";
    for (const char c : trickle)
        QVERIFY(!scanner.feed(QByteArrayView(&c, 1)));
    QVERIFY(!scanner.feed("\r\n\r\r\n")); // "\n\r\r\n" is not an empty line
    QVERIFY(!scanner.feed("  \n\r"));
    QVERIFY(scanner.feed("\n"));
}

void TestListenerUnits::addressKeys()
{
    const auto key = [](const char *text) {
        return AddressKey::of(QHostAddress(QLatin1String(text)));
    };
    QCOMPARE(key("192.0.2.7"), key("192.0.2.7"));
    QVERIFY(key("192.0.2.7") != key("192.0.2.8"));
    QVERIFY(!key("192.0.2.7").isIPv6());
    QCOMPARE(key("192.0.2.7").toString(), QStringLiteral("192.0.2.7"));
    // Dual-stack sockets see IPv4 clients as ::ffff:a.b.c.d: the same client.
    QCOMPARE(key("::ffff:192.0.2.7"), key("192.0.2.7"));
    // IPv6 by /64.
    QCOMPARE(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    QVERIFY(key("2001:db8:1:2::1") != key("2001:db8:1:3::1"));
    QVERIFY(key("2001:db8:1:2::1").isIPv6());
    QCOMPARE(key("2001:db8:1:2:aaaa::1").toString(), QStringLiteral("2001:db8:1:2::/64"));
    // An IPv6 prefix never collides with an IPv4 address of the same value.
    QVERIFY(key("::c000:207") != key("192.0.2.7"));
    QCOMPARE(qHash(key("2001:db8:1:2::1"), 7), qHash(key("2001:db8:1:2::9"), 7));
}

void TestListenerUnits::connectionCapFitsTheOpenFileLimit()
{
    QCOMPARE(FileLimits::reservedDescriptors, 64);
    QCOMPARE(FileLimits::clampConnections(1024, 20000), 1024);
    QCOMPARE(FileLimits::clampConnections(1000, 300), 236);
    QCOMPARE(FileLimits::clampConnections(1024, 1024), 960);
    QCOMPARE(FileLimits::clampConnections(236, 300), 236);
    QCOMPARE(FileLimits::clampConnections(10, 50), 1); // at least one connection
    QCOMPARE(FileLimits::clampConnections(100000, FileLimits::unlimited), 100000);
    QCOMPARE(FileLimits::descriptorBudget(300), 236);
    QCOMPARE(FileLimits::descriptorBudget(FileLimits::unlimited), 0);
    // The limit the process runs with is known (this test runs under some RLIMIT_NOFILE).
    QVERIFY(FileLimits::openFileLimit() > 0);
}

void TestListenerUnits::deadlinesFireOnceFromOneTimer()
{
    using Kind = ConnectionDeadlines::Kind;
    ConnectionDeadlines deadlines(10ms);
    QVERIFY(!deadlines.isTicking()); // nothing to watch: no wake-ups
    QTcpSocket a;
    QTcpSocket b;
    deadlines.add(&a);
    deadlines.add(&b);
    QVERIFY(deadlines.isTicking());
    QCOMPARE(deadlines.size(), 2);

    QSignalSpy spy(&deadlines, &ConnectionDeadlines::expired);
    deadlines.arm(&a, Kind::Idle, 20ms);
    deadlines.arm(&b, Kind::RequestHead, 40ms);
    deadlines.arm(&b, Kind::Closing, 1h);
    QVERIFY(deadlines.isArmed(&a, Kind::Idle));
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 2, 10000);
    QCOMPARE(spy.at(0).at(0).value<QTcpSocket *>(), &a);
    QCOMPARE(spy.at(0).at(1).value<Kind>(), Kind::Idle);
    QCOMPARE(spy.at(1).at(0).value<QTcpSocket *>(), &b);
    QCOMPARE(spy.at(1).at(1).value<Kind>(), Kind::RequestHead);
    // Fired deadlines are disarmed; the others stay.
    QVERIFY(!deadlines.isArmed(&a, Kind::Idle));
    QVERIFY(!deadlines.isArmed(&b, Kind::RequestHead));
    QVERIFY(deadlines.isArmed(&b, Kind::Closing));

    // A handler may remove the socket whose deadline fires, and re-arm others.
    connect(&deadlines, &ConnectionDeadlines::expired, this,
            [&](QObject *socket, ConnectionDeadlines::Kind) {
                deadlines.remove(socket);
                if (socket == &a)
                    deadlines.arm(&b, Kind::Linger, 10ms);
            });
    deadlines.arm(&a, Kind::Linger, 10ms);
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 4, 10000);
    QCOMPARE(spy.at(3).at(0).value<QTcpSocket *>(), &b);
    QCOMPARE(deadlines.size(), 0);
    QVERIFY(!deadlines.isTicking());
}

void TestListenerUnits::disarmedAndRemovedDeadlinesDoNotFire()
{
    using Kind = ConnectionDeadlines::Kind;
    ConnectionDeadlines deadlines(10ms);
    QTcpSocket a;
    QTcpSocket b;
    QTcpSocket c;
    QTcpSocket untracked;
    deadlines.add(&a);
    deadlines.add(&b);
    deadlines.add(&c);
    QSignalSpy spy(&deadlines, &ConnectionDeadlines::expired);
    deadlines.arm(&a, Kind::Idle, 30ms);
    deadlines.disarm(&a, Kind::Idle);
    deadlines.arm(&b, Kind::Idle, 30ms);
    deadlines.remove(&b);
    deadlines.arm(&untracked, Kind::Idle, 1ms); // ignored
    QVERIFY(!deadlines.isArmed(&untracked, Kind::Idle));
    // Re-arming moves a deadline: `c` fires once, at the later time.
    QElapsedTimer elapsed;
    elapsed.start();
    deadlines.arm(&c, Kind::Idle, 30ms);
    deadlines.arm(&c, Kind::Idle, 150ms);
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 1, 10000);
    QVERIFY2(elapsed.elapsed() >= 150, qPrintable(QString::number(elapsed.elapsed())));
    QCOMPARE(spy.at(0).at(0).value<QTcpSocket *>(), &c);
    QTest::qWait(100); // nothing else is due
    QCOMPARE(spy.size(), 1);
}

void TestListenerUnits::lingeringRejectsAreCapped()
{
    // A Listener of its own (no HTTP server needed): one connection fills it, the next is
    // rejected. With room to linger the reject gets its 503; with none it is reset at once.
    for (const int maxLingering : { 1, 0 }) {
        Listener::Options options;
        options.maxConnections = 1;
        options.maxLingering = maxLingering;
        Listener listener(options);
        QVERIFY(listener.startListening(QHostAddress::LocalHost, 0));
        QTcpSocket first;
        first.connectToHost(QHostAddress::LocalHost, listener.serverPort());
        QTRY_COMPARE_WITH_TIMEOUT(listener.activeConnections(), 1, 10000);

        QSignalSpy rejected(&listener, &Listener::connectionRejected);
        QTcpSocket second;
        QByteArray reply;
        connect(&second, &QTcpSocket::readyRead, this, [&] { reply += second.readAll(); });
        second.connectToHost(QHostAddress::LocalHost, listener.serverPort());
        QTRY_COMPARE_WITH_TIMEOUT(rejected.size(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(second.state(), QAbstractSocket::UnconnectedState, 10000);
        reply += second.readAll();
        if (maxLingering > 0) {
            QVERIFY2(reply.startsWith("HTTP/1.1 503 Service Unavailable"), reply.constData());
        } else {
            QVERIFY2(reply.isEmpty(), reply.constData());
            QCOMPARE(second.error(), QAbstractSocket::RemoteHostClosedError);
        }
        QTRY_COMPARE_WITH_TIMEOUT(listener.lingeringConnections(), 0, 10000);
        QCOMPARE(listener.activeConnections(), 1);
        listener.close();
    }
}

QTEST_GUILESS_MAIN(TestListenerUnits)
#include "tst_listenerunits.moc"
