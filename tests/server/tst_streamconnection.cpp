// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// StreamConnection on a real loopback TCP connection: chunks are framed and arrive in order when
// the peer reads late (the backlog waits, bytesWritten reports it going out, nothing is kept once
// it is out); what the peer sends is dropped; a peer that goes is reported once, queued, even from
// inside a write; closeAfterFlush() delivers everything and then the end of the stream, or cuts a
// peer that does not read after the grace; the object deletes itself once closed.
#include "http/streamconnection.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <cerrno>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using Sluice::Server::StreamConnection;

namespace {

// A connected loopback TCP pair: (server side, client side), both plain blocking descriptors.
std::pair<int, int> tcpPair()
{
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr *>(&address), size) != 0
        || ::listen(listener, 1) != 0
        || ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &size) != 0) {
        return { -1, -1 };
    }
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(client, reinterpret_cast<sockaddr *>(&address), size) != 0)
        return { -1, -1 };
    const int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    ::close(listener);
    return { server, client };
}

void shrinkBuffers(int server, int client)
{
    const int small = 4096; // the kernel doubles it and keeps a minimum: a few KiB either way
    ::setsockopt(server, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
}

QByteArray chunkFrame(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

// Reads from `fd` (while the event loop runs, so the connection can flush) until `bytes` arrived
// or the peer ends the stream (*ended) or 10 s pass.
QByteArray readFrom(int fd, qsizetype bytes, bool *ended = nullptr)
{
    QByteArray data;
    QElapsedTimer clock;
    clock.start();
    char buffer[65536];
    while (data.size() < bytes && clock.elapsed() < 10000) {
        QCoreApplication::processEvents();
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
            data.append(buffer, n);
            continue;
        }
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            if (ended)
                *ended = true;
            break;
        }
        QTest::qWait(1);
    }
    return data;
}

void processDeferredDeletes()
{
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

} // namespace

class TestStreamConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chunksArriveInOrderWhenThePeerReadsLate();
    void inputIsDropped();
    void peerClosingIsReportedOnceAndQueued();
    void writeToAVanishedPeerIsReportedLater();
    void closeAfterFlushDeliversEverythingThenTheEnd();
    void closeAfterFlushCutsAPeerThatDoesNotRead();
    void abortClosesAndDeletes();
};

void TestStreamConnection::chunksArriveInOrderWhenThePeerReadsLate()
{
    const auto [server, client] = tcpPair();
    QVERIFY(server >= 0 && client >= 0);
    shrinkBuffers(server, client);
    QPointer<StreamConnection> connection = new StreamConnection(server);
    QSignalSpy written(connection.data(), &StreamConnection::bytesWritten);

    QByteArray expected = "HTTP/1.1 200 OK\r\n\r\n";
    connection->write("HTTP/1.1 200 OK\r\n\r\n");
    connection->writeChunk(QByteArray()); // nothing: an empty chunk would end the body
    for (int i = 0; i < 60; ++i) {
        const QByteArray data
            = QByteArray::number(i) + ':' + QByteArray(1000 + i, char('a' + i % 26));
        connection->writeChunk(data);
        expected += chunkFrame(data);
    }
    connection->writeLastChunk();
    expected += "0\r\n\r\n";
    const qint64 waiting = connection->bytesToWrite();
    QVERIFY2(waiting > 0, "the peer did not read: some output must wait");

    const QByteArray received = readFrom(client, expected.size());
    QCOMPARE(received.size(), expected.size());
    QVERIFY(received == expected);
    QTRY_COMPARE(connection->bytesToWrite(), 0);
    qint64 reported = 0;
    for (const auto &signal : written)
        reported += signal.at(0).toLongLong();
    QCOMPARE(reported, waiting);
    QVERIFY(connection->isOpen());
    delete connection;
    ::close(client);
}

void TestStreamConnection::inputIsDropped()
{
    const auto [server, client] = tcpPair();
    QVERIFY(server >= 0 && client >= 0);
    QPointer<StreamConnection> connection = new StreamConnection(server);
    QSignalSpy gone(connection.data(), &StreamConnection::disconnected);
    const QByteArray junk(256 * 1024, 'x');
    qsizetype sent = 0;
    while (sent < junk.size()) {
        QCoreApplication::processEvents();
        const ssize_t n
            = ::send(client, junk.constData() + sent, size_t(junk.size() - sent), MSG_DONTWAIT);
        if (n > 0)
            sent += n;
    }
    QTest::qWait(50);
    QVERIFY(connection && connection->isOpen());
    QCOMPARE(gone.count(), 0);
    connection->writeChunk("still here");
    const QByteArray frame = chunkFrame("still here");
    QVERIFY(readFrom(client, frame.size()) == frame);
    delete connection;
    ::close(client);
}

void TestStreamConnection::peerClosingIsReportedOnceAndQueued()
{
    const auto [server, client] = tcpPair();
    QVERIFY(server >= 0 && client >= 0);
    QPointer<StreamConnection> connection = new StreamConnection(server);
    QSignalSpy gone(connection.data(), &StreamConnection::disconnected);
    ::close(client);
    QTRY_COMPARE(gone.count(), 1);
    QVERIFY(connection.isNull() || !connection->isOpen());
    processDeferredDeletes();
    QVERIFY(connection.isNull());
    QCOMPARE(gone.count(), 1);
}

void TestStreamConnection::writeToAVanishedPeerIsReportedLater()
{
    const auto [server, client] = tcpPair();
    QVERIFY(server >= 0 && client >= 0);
    // A reset: the next write fails at once (EPIPE/ECONNRESET) instead of being buffered.
    const linger immediate { 1, 0 };
    ::setsockopt(client, SOL_SOCKET, SO_LINGER, &immediate, sizeof immediate);
    ::close(client);
    QPointer<StreamConnection> connection = new StreamConnection(server);
    QSignalSpy gone(connection.data(), &StreamConnection::disconnected);
    ::usleep(20000); // the reset arrives; no event processing, so only the write can see it
    for (int i = 0; i < 3 && connection && connection->isOpen(); ++i)
        connection->writeChunk("to nobody");
    QCOMPARE(gone.count(), 0); // never from inside the owner's own call
    QTRY_COMPARE(gone.count(), 1);
    processDeferredDeletes();
    QVERIFY(connection.isNull());
}

void TestStreamConnection::closeAfterFlushDeliversEverythingThenTheEnd()
{
    const auto [server, client] = tcpPair();
    QVERIFY(server >= 0 && client >= 0);
    shrinkBuffers(server, client);
    QPointer<StreamConnection> connection = new StreamConnection(server);
    QByteArray expected;
    for (int i = 0; i < 30; ++i) {
        const QByteArray data(2000, char('A' + i % 26));
        connection->writeChunk(data);
        expected += chunkFrame(data);
    }
    connection->writeLastChunk();
    expected += "0\r\n\r\n";
    QVERIFY(connection->bytesToWrite() > 0);
    connection->closeAfterFlush(std::chrono::seconds(10));
    QVERIFY(!connection->isOpen());
    bool ended = false;
    const QByteArray received = readFrom(client, expected.size() + 1, &ended);
    QVERIFY(ended);
    QVERIFY(received == expected);
    processDeferredDeletes();
    QVERIFY(connection.isNull());
    ::close(client);
}

void TestStreamConnection::closeAfterFlushCutsAPeerThatDoesNotRead()
{
    const auto [server, client] = tcpPair();
    QVERIFY(server >= 0 && client >= 0);
    shrinkBuffers(server, client);
    QPointer<StreamConnection> connection = new StreamConnection(server);
    for (int i = 0; i < 100; ++i)
        connection->writeChunk(QByteArray(2000, 'z'));
    QVERIFY(connection->bytesToWrite() > 0);
    connection->closeAfterFlush(std::chrono::milliseconds(100));
    QTRY_VERIFY_WITH_TIMEOUT(connection.isNull(), 5000);
    // The peer gets a reset, not the rest of the stream.
    const timeval patience { 5, 0 };
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    char buffer[65536];
    ssize_t n = 0;
    do {
        n = ::recv(client, buffer, sizeof buffer, 0);
    } while (n > 0);
    QCOMPARE(n, ssize_t(-1));
    QCOMPARE(errno, ECONNRESET);
    ::close(client);
}

void TestStreamConnection::abortClosesAndDeletes()
{
    const auto [server, client] = tcpPair();
    QVERIFY(server >= 0 && client >= 0);
    QPointer<StreamConnection> connection = new StreamConnection(server);
    QSignalSpy gone(connection.data(), &StreamConnection::disconnected);
    connection->abort();
    QVERIFY(!connection->isOpen());
    connection->writeChunk("ignored");
    QCOMPARE(connection->bytesToWrite(), 0);
    processDeferredDeletes();
    QVERIFY(connection.isNull());
    QCOMPARE(gone.count(), 0); // the owner closed it: nothing to report
    char buffer[16];
    QCOMPARE(::recv(client, buffer, sizeof buffer, 0), ssize_t(0)); // a plain end
    ::close(client);
}

QTEST_GUILESS_MAIN(TestStreamConnection)
#include "tst_streamconnection.moc"
