// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Self-test of the scripted server: request parsing and recording, framing, script queue.
#include "scriptedsseserver.h"

#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace Sluice::Testing;

class TestScriptedSseServer : public QObject
{
    Q_OBJECT

private:
    // Sends `request` on a fresh connection and returns everything the server sent until it
    // closed the connection.
    QByteArray exchange(quint16 port, const QByteArray &request)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(10000))
            return "connect failed";
        socket.write(request);
        QByteArray received;
        QSignalSpy closed(&socket, &QTcpSocket::disconnected);
        connect(&socket, &QTcpSocket::readyRead, &socket, [&] { received += socket.readAll(); });
        if (!closed.wait(20000))
            return "no close";
        received += socket.readAll();
        return received;
    }

private Q_SLOTS:
    void recordsRequestAndPlaysQueue()
    {
        ScriptedSseServer server;
        QVERIFY(server.listen());
        QVERIFY(server.port() != 0);
        server.setScripts({ ResponseScript::sse().send("data: one\n\n"),
                            ResponseScript::sse(ResponseScript::Framing::Chunked)
                                .send("data: a")
                                .sendSlowly("bc\n\n", 2, 1),
                            ResponseScript::status(503).setHeader("Retry-After", "1") });
        QSignalSpy received(&server, &ScriptedSseServer::requestReceived);

        const QByteArray first = exchange(server.port(),
                                          "POST /stream?x=1%202 HTTP/1.1\r\nHost: h\r\nX-Test:  v "
                                          "\r\nContent-Length: 3\r\n\r\nabc");
        QVERIFY2(first.startsWith("HTTP/1.1 200 OK\r\n"), first.constData());
        QVERIFY(first.contains("Content-Type: text/event-stream\r\n"));
        QVERIFY(first.contains("Connection: close\r\n"));
        QVERIFY(!first.contains("Content-Length"));
        QVERIFY(first.endsWith("\r\n\r\ndata: one\n\n"));

        QCOMPARE(received.size(), 1);
        const auto request = received.at(0).at(0).value<RecordedRequest>();
        QCOMPARE(request.index, 0);
        QCOMPARE(request.method, QByteArray("POST"));
        QCOMPARE(request.target, QByteArray("/stream?x=1%202"));
        QCOMPARE(request.path(), QStringLiteral("/stream"));
        QCOMPARE(request.query().queryItemValue(QStringLiteral("x")), QStringLiteral("1 2"));
        QCOMPARE(request.header("x-test"), QByteArray("v"));
        QVERIFY(!request.hasHeader("Authorization"));
        QCOMPARE(request.body, QByteArray("abc"));

        const QByteArray second = exchange(server.port(), "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        QVERIFY(second.contains("Transfer-Encoding: chunked\r\n"));
        QVERIFY2(second.endsWith("\r\n\r\n7\r\ndata: a\r\n2\r\nbc\r\n2\r\n\n\n\r\n0\r\n\r\n"),
                 second.constData());

        for (int i = 0; i < 2; ++i) { // the last script repeats
            const QByteArray third = exchange(server.port(), "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            QVERIFY2(third.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), third.constData());
            QVERIFY(third.contains("Retry-After: 1\r\n"));
            QVERIFY(third.contains("Content-Length: 0\r\n"));
        }
        QCOMPARE(server.requestCount(), 4);
    }

    void ignoresRepeatedRequests()
    {
        ScriptedSseServer server;
        QVERIFY(server.listen());
        server.setDeduplicationHeader("X-Serial");
        server.setScripts({ ResponseScript::sse().send("data: 1\n\n"),
                            ResponseScript::sse().send("data: 2\n\n") });
        QSignalSpy ignored(&server, &ScriptedSseServer::duplicateIgnored);
        const QByteArray first = exchange(server.port(), "GET /s HTTP/1.1\r\nX-Serial: 1\r\n\r\n");
        QVERIFY(first.endsWith("data: 1\n\n"));
        const QByteArray copy = exchange(server.port(), "GET /s HTTP/1.1\r\nX-Serial: 1\r\n\r\n");
        QVERIFY2(copy.startsWith("HTTP/1.1 204 No Content\r\n"), copy.constData());
        QCOMPARE(ignored.size(), 1);
        const QByteArray next = exchange(server.port(), "GET /s HTTP/1.1\r\nX-Serial: 2\r\n\r\n");
        QVERIFY(next.endsWith("data: 2\n\n")); // the copy took no script
        const QByteArray plain = exchange(server.port(), "GET /s HTTP/1.1\r\n\r\n");
        QVERIFY(plain.endsWith("data: 2\n\n")); // requests without the header always count
        QCOMPARE(server.requestCount(), 3);
    }

    void holdsAndClosesConnections()
    {
        ScriptedSseServer server;
        QVERIFY(server.listen());
        server.setScripts({ ResponseScript::sse().send(": hi\n\n").hold() });
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(socket.waitForConnected(10000));
        socket.write("GET /s HTTP/1.1\r\nHost: h\r\n\r\n");
        QByteArray got;
        connect(&socket, &QTcpSocket::readyRead, &socket, [&] { got += socket.readAll(); });
        QTRY_VERIFY_WITH_TIMEOUT(got.endsWith(": hi\n\n"), 20000);
        QCOMPARE(server.openConnections(), 1);
        QSignalSpy closed(&server, &ScriptedSseServer::connectionClosed);
        server.closeAllConnections();
        QCOMPARE(closed.size(), 1);
        QCOMPARE(closed.at(0).at(0).toInt(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 20000);
        QCOMPARE(server.openConnections(), 0);
    }
};

QTEST_GUILESS_MAIN(TestScriptedSseServer)
#include "tst_scriptedsseserver.moc"
