// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Listener: the connection cap answers 503 (or refuses) past --max-connections and frees slots
// when connections close (streams, taken off QTcpSocket, keep counting until they end); an idle
// connection is closed after --idle-timeout; a head trickled in (slowloris) is cut at
// --request-timeout while kept-alive connections, slow bodies and streams are not; a closing
// connection whose peer does not read is reset after the grace period; one address gets at most
// --max-connections-per-ip connections.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QElapsedTimer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <memory>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

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

// GET /healthz on a new connection: the answer, empty when the connection failed or closed.
QByteArray healthOnNewConnection(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(waitMs))
        return {};
    socket.write(healthRequest);
    return readUntil(socket, hasCompleteResponse);
}

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

// The kernel's view of a TCP socket (TCP_ESTABLISHED, TCP_CLOSE...), -1 on error.
int tcpState(int fd)
{
    tcp_info info {};
    socklen_t size = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0)
        return -1;
    return info.tcpi_state;
}

// A plain blocking socket (for a peer that must not read: QTcpSocket would read ahead).
struct RawSocket
{
    RawSocket()
        : fd(::socket(AF_INET, SOCK_STREAM, 0))
    { }
    ~RawSocket()
    {
        if (fd >= 0)
            ::close(fd);
    }
    RawSocket(const RawSocket &) = delete;
    RawSocket &operator=(const RawSocket &) = delete;

    bool connectTo(quint16 port) const
    {
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0;
    }
    bool sendAll(const QByteArray &data) const
    {
        qsizetype sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(fd, data.constData() + sent, size_t(data.size() - sent), 0);
            if (n <= 0)
                return false;
            sent += n;
        }
        return true;
    }

    int fd;
};

// Writes `data` one byte every `gapMs` until done or the server closes; returns the bytes sent.
qsizetype trickle(QTcpSocket &socket, const QByteArray &data, int gapMs)
{
    qsizetype sent = 0;
    for (; sent < data.size() && socket.state() == QAbstractSocket::ConnectedState; ++sent) {
        socket.write(data.mid(sent, 1));
        socket.flush();
        socket.waitForReadyRead(gapMs); // also notices the server closing
    }
    return sent;
}

// Signs in as alice (created here) and creates a prompt; returns its stream path and the token.
struct StreamTarget
{
    QByteArray path;
    QByteArray token;
};
StreamTarget createStreamTarget(ServerProcess &server)
{
    const QString password = QStringLiteral("a long password 123");
    if (!server.addUser(QStringLiteral("alice"), password))
        return {};
    HttpClient http(server.baseUrl());
    const QByteArray token = http.login(QStringLiteral("alice"), password);
    const QString sessions = QStringLiteral("/api/claude-code/sessions");
    const QString sid
        = http.postJson(sessions, { { QStringLiteral("title"), QStringLiteral("t") } },
                        HttpClient::bearer(token))
              .object()
              .value(QLatin1String("id"))
              .toString();
    const QString pid = http.postJson(sessions + u'/' + sid + QStringLiteral("/prompts"),
                                      { { QStringLiteral("text"), QStringLiteral("hello") } },
                                      HttpClient::bearer(token))
                            .object()
                            .value(QLatin1String("id"))
                            .toString();
    if (token.isEmpty() || sid.isEmpty() || pid.isEmpty())
        return {};
    return { (sessions + u'/' + sid + QStringLiteral("/prompts/") + pid).toUtf8() + "/stream",
             token };
}

// Opens the prompt's stream on a raw connection; returns the socket once the 200 head arrived.
std::unique_ptr<QTcpSocket> openStream(quint16 port, const StreamTarget &target)
{
    auto stream = std::make_unique<QTcpSocket>();
    stream->connectToHost(QHostAddress::LocalHost, port);
    if (!stream->waitForConnected(waitMs))
        return nullptr;
    stream->write("GET " + target.path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    "Authorization: Bearer "
                  + target.token + "\r\n\r\n");
    const QByteArray head
        = readUntil(*stream, [](const QByteArray &d) { return d.contains("\r\n\r\n"); });
    if (!head.startsWith("HTTP/1.1 200")) {
        qWarning() << "stream not opened:" << head.left(300);
        return nullptr;
    }
    return stream;
}

} // namespace

class TestListener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void connectionCapAnswers503AndReleasesSlots();
    void idleConnectionIsClosed();
    void hugeRequestIsCutOff();
    void slowRequestHeadIsCutAtTheDeadline();
    void streamOutlivesTheRequestDeadline();
    void peerThatDoesNotReadIsResetWhenClosing();
    void perAddressCapAnswers503();
    void streamsCountAgainstTheCapsUntilTheyEnd();
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
    QVERIFY2(server.start({ QStringLiteral("--idle-timeout"), QStringLiteral("300ms"),
                            QStringLiteral("--heartbeat-interval"), QStringLiteral("100ms") }),
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

void TestListener::slowRequestHeadIsCutAtTheDeadline()
{
    ServerProcess server;
    // (New options through the environment in these tests: a server without them still starts.)
    QVERIFY2(server.start({ QStringLiteral("--idle-timeout"), QStringLiteral("1m") },
                          { { QStringLiteral("SLUICE_REQUEST_TIMEOUT"), QStringLiteral("1s") } }),
             qPrintable(server.errorString()));

    // Slowloris: a head that never ends, one byte every 100 ms. Every byte would reset an idle
    // timer; the deadline counts from the accept and is not moved by them.
    QTcpSocket slow;
    QElapsedTimer elapsed;
    elapsed.start();
    slow.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(slow.waitForConnected(waitMs));
    const QByteArray endless
        = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + QByteArray(300, 'a');
    const qsizetype sent = trickle(slow, endless, 100);
    const qint64 cutAfterMs = elapsed.elapsed();
    qInfo("slowloris cut after %lld ms (%lld bytes sent)", cutAfterMs,
          static_cast<long long>(sent));
    QCOMPARE(slow.state(), QAbstractSocket::UnconnectedState);
    QVERIFY2(cutAfterMs >= 900 && cutAfterMs < 5000, qPrintable(QString::number(cutAfterMs)));
    QTRY_VERIFY2_WITH_TIMEOUT(
        server.logOutput().contains(QLatin1String("no complete request head within 1000 ms")),
        qPrintable(server.logOutput()), waitMs);

    // A head that is slow but complete in time is answered; the kept-alive connection then waits
    // longer than the deadline (that is the idle timeout's business) and serves another request.
    QTcpSocket patient;
    patient.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(patient.waitForConnected(waitMs));
    QCOMPARE(trickle(patient, healthRequest, 10), healthRequest.size());
    QVERIFY(readUntil(patient, hasCompleteResponse).startsWith("HTTP/1.1 200"));
    QTest::qWait(1500); // idle between requests for longer than --request-timeout
    QCOMPARE(patient.state(), QAbstractSocket::ConnectedState);
    patient.write(healthRequest);
    QVERIFY(readUntil(patient, hasCompleteResponse).startsWith("HTTP/1.1 200"));

    // A complete head with a slow body: the head deadline is off once the head is complete.
    QTcpSocket upload;
    upload.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(upload.waitForConnected(waitMs));
    const QByteArray body = "{\"username\":\"nobody\",\"password\":\"x\"}";
    upload.write("POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Content-Type: application/json\r\nContent-Length: "
                 + QByteArray::number(body.size()) + "\r\n\r\n");
    QCOMPARE(trickle(upload, body, 50), body.size()); // ~1.8 s, longer than the deadline
    const QByteArray reply = readUntil(upload, hasCompleteResponse);
    QVERIFY2(reply.startsWith("HTTP/1.1 4"), reply.left(200).constData()); // 400/401, not a cut
}

void TestListener::streamOutlivesTheRequestDeadline()
{
    ServerProcess server;
    QVERIFY2(
        server.start({ QStringLiteral("--heartbeat-interval"), QStringLiteral("200ms"),
                       QStringLiteral("--idle-timeout"), QStringLiteral("2s") },
                     { { QStringLiteral("SLUICE_REQUEST_TIMEOUT"), QStringLiteral("300ms") } }),
        qPrintable(server.errorString()));
    const StreamTarget target = createStreamTarget(server);
    QVERIFY(!target.path.isEmpty());
    const auto opened = openStream(server.port(), target);
    QVERIFY(opened);
    QTcpSocket &stream = *opened;
    // Five times the request deadline: the stream stays open and its heartbeats keep coming.
    QElapsedTimer open;
    open.start();
    QByteArray received;
    while (open.elapsed() < 1500 && stream.state() == QAbstractSocket::ConnectedState) {
        stream.waitForReadyRead(100);
        received += stream.readAll();
    }
    QCOMPARE(stream.state(), QAbstractSocket::ConnectedState);
    // Heartbeats are SSE comments (":..."), each in its own chunk ("<size>\r\n:...").
    QVERIFY2(received.count("\r\n:") >= 3, received.constData());
    QVERIFY(!server.logOutput().contains(QLatin1String("no complete request head")));
}

void TestListener::peerThatDoesNotReadIsResetWhenClosing()
{
    ServerProcess server;
    QVERIFY2(server.start({ QStringLiteral("--idle-timeout"), QStringLiteral("1s"),
                            QStringLiteral("--heartbeat-interval"), QStringLiteral("500ms") }),
             qPrintable(server.errorString()));

    // Pipelined requests whose answers (~5 MB) far exceed what the kernel buffers, from a peer
    // with a tiny receive buffer that never reads: the server's output stalls, the idle timeout
    // closes the connection (disconnectFromHost: "after the output is flushed", i.e. never), and
    // only the closing grace (5 s) frees it.
    RawSocket peer;
    QVERIFY(peer.fd >= 0);
    const int small = 4096;
    QCOMPARE(::setsockopt(peer.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    QVERIFY(peer.connectTo(server.port()));
    QByteArray requests;
    for (int i = 0; i < 2000; ++i)
        requests += "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    QVERIFY(peer.sendAll(requests));
    QElapsedTimer elapsed;
    elapsed.start();
    QTRY_COMPARE_WITH_TIMEOUT(tcpState(peer.fd), int(TCP_CLOSE), 20000);
    qInfo("non-reading peer reset %lld ms after its last request", elapsed.elapsed());
    QVERIFY(elapsed.elapsed() >= 4000); // idle timeout + grace, not something else
    QTRY_VERIFY_WITH_TIMEOUT(
        server.logOutput().contains(QLatin1String("the peer did not read the last")), waitMs);

    HttpClient http(server.baseUrl());
    QCOMPARE(http.get(QStringLiteral("/healthz")).status, 200);
}

void TestListener::perAddressCapAnswers503()
{
    ServerProcess server;
    QVERIFY2(
        server.start({ QStringLiteral("--max-connections"), QStringLiteral("100"),
                       QStringLiteral("--idle-timeout"), QStringLiteral("10m") },
                     { { QStringLiteral("SLUICE_MAX_CONNECTIONS_PER_IP"), QStringLiteral("3") },
                       { QStringLiteral("SLUICE_REQUEST_TIMEOUT"), QStringLiteral("10m") } }),
        qPrintable(server.errorString()));

    std::vector<std::unique_ptr<QTcpSocket>> held;
    for (int i = 0; i < 3; ++i) {
        auto socket = openHealthyConnection(server.port());
        QVERIFY2(socket, "a connection within the per-address cap must be served");
        held.push_back(std::move(socket));
    }
    const QByteArray reply = healthOnNewConnection(server.port());
    QVERIFY2(reply.startsWith("HTTP/1.1 503 Service Unavailable"), reply.constData());
    QVERIFY(reply.contains("\"code\":\"SERVICE_UNAVAILABLE\""));
    QVERIFY(reply.contains("from your address"));
    QVERIFY(reply.contains("Retry-After: 1"));
    QTRY_VERIFY_WITH_TIMEOUT(server.logOutput().contains(QLatin1String(
                                 "per-address connection cap (3) reached for 127.0.0.1")),
                             waitMs);

    // Closing one frees its slot for the same address.
    held.back()->disconnectFromHost();
    held.pop_back();
    std::unique_ptr<QTcpSocket> again;
    QTRY_VERIFY_WITH_TIMEOUT(again || (again = openHealthyConnection(server.port())), waitMs);
}

// A stream's connection leaves QTcpSocket once it is open (Listener::takeOverStream): it must
// still hold its slot under both caps, and give it back when the client goes.
void TestListener::streamsCountAgainstTheCapsUntilTheyEnd()
{
    ServerProcess server;
    QVERIFY2(
        server.start({ QStringLiteral("--max-connections"), QStringLiteral("100"),
                       QStringLiteral("--idle-timeout"), QStringLiteral("10m"),
                       QStringLiteral("--heartbeat-interval"), QStringLiteral("200ms") },
                     { { QStringLiteral("SLUICE_MAX_CONNECTIONS_PER_IP"), QStringLiteral("3") } }),
        qPrintable(server.errorString()));
    const StreamTarget target = createStreamTarget(server);
    QVERIFY(!target.path.isEmpty());

    std::vector<std::unique_ptr<QTcpSocket>> streams;
    for (int i = 0; i < 3; ++i) {
        // Sign-in and setup connections close on their own; wait until their slots are free.
        std::unique_ptr<QTcpSocket> stream;
        QTRY_VERIFY_WITH_TIMEOUT(stream || (stream = openStream(server.port(), target)), waitMs);
        streams.push_back(std::move(stream));
    }
    // Three held streams: a fourth connection is over the per-address cap, however long we wait.
    QTest::qWait(500);
    const QByteArray reply = healthOnNewConnection(server.port());
    QVERIFY2(reply.startsWith("HTTP/1.1 503 Service Unavailable"), reply.constData());
    QVERIFY(reply.contains("from your address"));

    // The streams still carry their heartbeats.
    for (const auto &stream : streams) {
        const QByteArray beat
            = readUntil(*stream, [](const QByteArray &d) { return d.contains("\r\n:"); });
        QVERIFY2(stream->state() == QAbstractSocket::ConnectedState, beat.constData());
    }

    // A client that goes frees its slot.
    streams.back()->abort();
    streams.pop_back();
    std::unique_ptr<QTcpSocket> again;
    QTRY_VERIFY_WITH_TIMEOUT(again || (again = openHealthyConnection(server.port())), waitMs);
}

QTEST_GUILESS_MAIN(TestListener)
#include "tst_listener.moc"
