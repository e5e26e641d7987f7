// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-test-peer: an SSE server in a process of its own, for client tests whose point is
// that the server is not slowed down or scheduled by the client's event loop.
//
//   sluice-test-peer once       every request gets one event (`id: n`, `data: hello`) in a
//                               close-delimited response, then the connection closes at once.
//                               Requests are counted by their X-Attempt header: GET /count
//                               answers {"requests": N, "duplicates": D}, D being requests whose
//                               X-Attempt value was seen before.
//   sluice-test-peer firehose B every request gets B bytes of small events written as fast as the
//                               connection takes them (48-byte events, `data:` + 40 digits), then
//                               the response ends (close-delimited).
//
// Prints "listening <port>" on stdout once it listens on 127.0.0.1 (port 0: the system picks).
#include <QtCore/QCoreApplication>
#include <QtCore/QHash>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <cstdio>

namespace {

struct Counts
{
    QHash<QByteArray, int> seen;
    int requests = 0;
    int duplicates = 0;
};

QByteArray headerValue(const QByteArray &head, const QByteArray &name)
{
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

void answerOnce(QTcpSocket *socket, const QByteArray &head, Counts *counts)
{
    if (head.startsWith("GET /count ")) {
        const QByteArray body
            = QJsonDocument(QJsonObject {
                                { QStringLiteral("requests"), counts->requests },
                                { QStringLiteral("duplicates"), counts->duplicates },
                            })
                  .toJson(QJsonDocument::Compact);
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                      + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        socket->disconnectFromHost();
        return;
    }
    const QByteArray attempt = headerValue(head, "X-Attempt");
    ++counts->requests;
    if (counts->seen[attempt]++ > 0)
        ++counts->duplicates;
    socket->write(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "\r\nid: "
        + QByteArray::number(counts->requests) + "\ndata: hello\n\n");
    socket->disconnectFromHost();
}

void answerFirehose(QTcpSocket *socket, qint64 total)
{
    socket->write(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "\r\n");
    const QByteArray event = "data: 0123456789012345678901234567890123456789\n\n";
    QByteArray batch;
    for (int i = 0; i < 1365; ++i) // ~64 KiB per write
        batch += event;
    auto *written = new qint64(0);
    auto pump = [socket, total, batch, written] {
        // Keep a few MiB queued: as fast as the client reads, never unbounded here.
        while (*written < total && socket->bytesToWrite() < 4 * 1024 * 1024) {
            socket->write(batch);
            *written += batch.size();
        }
        if (*written >= total && socket->bytesToWrite() == 0)
            socket->disconnectFromHost();
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, pump);
    QObject::connect(socket, &QObject::destroyed, [written] { delete written; });
    pump();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const QString mode = args.value(1);
    const qint64 total = args.value(2).toLongLong();
    if (mode != u"once" && !(mode == u"firehose" && total > 0)) {
        std::fprintf(stderr, "usage: sluice-test-peer once | firehose BYTES\n");
        return 2;
    }
    Counts counts;
    QTcpServer server;
    QObject::connect(&server, &QTcpServer::newConnection, &server, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            auto *buffer = new QByteArray;
            QObject::connect(socket, &QObject::destroyed, [buffer] { delete buffer; });
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [&, socket, buffer] {
                buffer->append(socket->readAll());
                const qsizetype end = buffer->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                const QByteArray head = buffer->left(end);
                const qint64 length = headerValue(head, "Content-Length").toLongLong();
                if (buffer->size() < end + 4 + length)
                    return; // the body is still coming
                socket->disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
                if (mode == u"once")
                    answerOnce(socket, head, &counts);
                else
                    answerFirehose(socket, total);
            });
        }
    });
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        std::fprintf(stderr, "cannot listen: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    std::printf("listening %u\n", unsigned(server.serverPort()));
    std::fflush(stdout);
    return QCoreApplication::exec();
}
