// Listener: the connection cap answers 503 (or refuses) past --max-connections and frees slots
// when connections close; an idle connection is closed after --idle-timeout.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QDeadlineTimer>
#include <QTcpSocket>
#include <QtTest>

#include <memory>
#include <vector>

using namespace Sluice::Test;

namespace {

constexpr int waitMs = 30000;

// Reads until `done(data)` or the peer closes or the deadline passes; returns what was read.
QByteArray readUntil(QTcpSocket &socket, const std::function<bool(const QByteArray &)> &done,
                     int timeoutMs = waitMs)
{
    QByteArray data;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        data += socket.readAll();
        if (done(data) || socket.state() == QAbstractSocket::UnconnectedState)
            break;
        socket.waitForReadyRead(int(qBound(qint64(10), deadline.remainingTime(), qint64(500))));
    }
    data += socket.readAll();
    return data;
}

bool hasCompleteResponse(const QByteArray &data)
{
    const qsizetype end = data.indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    const QByteArray head = data.left(end).toLower();
    const qsizetype at = head.indexOf("content-length:");
    if (at < 0)
        return true;
    const qsizetype lineEnd = head.indexOf("\r\n", at);
    const qsizetype length
        = head.mid(at + 15, lineEnd < 0 ? -1 : lineEnd - at - 15).trimmed().toLongLong();
    return data.size() >= end + 4 + length;
}

const QByteArray healthRequest = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::unique_ptr<QTcpSocket> openHealthyConnection(quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(waitMs))
        return nullptr;
    socket->write(healthRequest);
    const QByteArray reply = readUntil(*socket, hasCompleteResponse);
    if (!reply.startsWith("HTTP/1.1 200"))
        return nullptr;
    return socket;
}

} // namespace

class TestListener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void connectionCapAnswers503AndReleasesSlots();
    void idleConnectionIsClosed();
    void hugeRequestIsCutOff();
};

void TestListener::connectionCapAnswers503AndReleasesSlots()
{
    ServerProcess server;
    QVERIFY2(server.start({ QStringLiteral("--max-connections"), QStringLiteral("3"),
                            QStringLiteral("--idle-timeout"), QStringLiteral("10m") }),
             qPrintable(server.errorString()));

    std::vector<std::unique_ptr<QTcpSocket>> held;
    for (int i = 0; i < 3; ++i) {
        auto socket = openHealthyConnection(server.port());
        QVERIFY2(socket, "a connection within the cap must be served");
        held.push_back(std::move(socket));
    }

    // Past the cap: a 503 JSON answer (or a refused/closed connection), never a 200.
    QTcpSocket extra;
    extra.connectToHost(QHostAddress::LocalHost, server.port());
    if (extra.waitForConnected(waitMs)) {
        extra.write(healthRequest);
        const QByteArray reply = readUntil(extra, hasCompleteResponse);
        QVERIFY2(!reply.contains("200 OK"), reply.constData());
        if (!reply.isEmpty()) {
            QVERIFY2(reply.startsWith("HTTP/1.1 503 Service Unavailable"), reply.constData());
            QVERIFY(reply.contains("\"code\":\"SERVICE_UNAVAILABLE\""));
            QVERIFY(reply.contains("Retry-After: 1"));
        }
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        server.logOutput().contains(QLatin1String("connection cap (3) reached")), waitMs);

    // The held connections still work (keep-alive) while the cap is reached.
    held.front()->write(healthRequest);
    QVERIFY(readUntil(*held.front(), hasCompleteResponse).startsWith("HTTP/1.1 200"));

    // Closing one frees its slot.
    held.back()->disconnectFromHost();
    held.pop_back();
    std::unique_ptr<QTcpSocket> again;
    // (QTRY re-evaluates the expression; once connected, `again` short-circuits it.)
    QTRY_VERIFY_WITH_TIMEOUT(again || (again = openHealthyConnection(server.port())), waitMs);
}

void TestListener::idleConnectionIsClosed()
{
    ServerProcess server;
    QVERIFY2(server.start({ QStringLiteral("--idle-timeout"), QStringLiteral("300ms") }),
             qPrintable(server.errorString()));

    // A connection that never sends anything.
    QTcpSocket silent;
    silent.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(silent.waitForConnected(waitMs));
    // A keep-alive connection that goes idle after one request.
    auto used = openHealthyConnection(server.port());
    QVERIFY(used);

    QTRY_COMPARE_WITH_TIMEOUT(silent.state(), QAbstractSocket::UnconnectedState, waitMs);
    QTRY_COMPARE_WITH_TIMEOUT(used->state(), QAbstractSocket::UnconnectedState, waitMs);

    // The server itself keeps accepting.
    HttpClient http(server.baseUrl());
    QCOMPARE(http.get(QStringLiteral("/healthz")).status, 200);
}

void TestListener::hugeRequestIsCutOff()
{
    ServerProcess server;
    QVERIFY2(server.start({ QStringLiteral("--max-body-bytes"), QStringLiteral("1024") }),
             qPrintable(server.errorString()));

    // Far past the body limit plus header allowance: the Listener answers 413 (or resets) before
    // QHttpServer has buffered the body, and never routes it.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(socket.waitForConnected(waitMs));
    socket.write("POST /api/claude-code/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n");
    const QByteArray chunk(64 * 1024, 'x');
    for (int i = 0; i < 4 && socket.state() == QAbstractSocket::ConnectedState; ++i) {
        socket.write(chunk);
        socket.waitForBytesWritten(waitMs);
    }
    const QByteArray reply = readUntil(socket, hasCompleteResponse);
    if (!reply.isEmpty()) {
        QVERIFY2(reply.startsWith("HTTP/1.1 413 Payload Too Large"), reply.left(200).constData());
        QVERIFY(reply.contains("\"code\":\"PAYLOAD_TOO_LARGE\""));
    }
    QTRY_VERIFY_WITH_TIMEOUT(server.logOutput().contains(QLatin1String("exceeds")), waitMs);
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, waitMs);
    QVERIFY(!server.logOutput().contains(QLatin1String("POST /api/claude-code/sessions 401")));

    // The server is fine afterwards.
    HttpClient http(server.baseUrl());
    QCOMPARE(http.get(QStringLiteral("/healthz")).status, 200);
}

QTEST_GUILESS_MAIN(TestListener)
#include "tst_listener.moc"
