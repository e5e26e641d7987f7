// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/httpcompat.h"

#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstdio>
#include <initializer_list>

namespace Sluice::Server::HttpCompat {

void bind(QHttpServer &server, QTcpServer *listener)
{
    server.bind(listener);
}

void setAfterRequestHook(QHttpServer &server, AfterRequestHook hook)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    server.afterRequest([hook = std::move(hook)](QHttpServerResponse &&response,
                                                 const QHttpServerRequest &request) {
        hook(request, response);
        return std::move(response);
    });
#else
    server.addAfterRequestHandler(
        &server,
        [hook = std::move(hook)](const QHttpServerRequest &request, QHttpServerResponse &response) {
            hook(request, response);
        });
#endif
}

void setMissingHandler(QHttpServer &server, MissingHandler handler)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    server.setMissingHandler([handler = std::move(handler)](const QHttpServerRequest &request,
                                                            QHttpServerResponder &&responder) {
        write(responder, handler(request));
    });
#else
    server.setMissingHandler(&server,
                             [handler = std::move(handler)](const QHttpServerRequest &request,
                                                            QHttpServerResponder &responder) {
                                 write(responder, handler(request));
                             });
#endif
}

void write(QHttpServerResponder &responder, QHttpServerResponse &&response)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    response.write(std::move(responder));
#else
    responder.sendResponse(response);
#endif
}

QTcpSocket *socketOf(const QHttpServerResponder &responder)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    return responder.socket();
#else
    Q_UNUSED(responder);
    return nullptr;
#endif
}

#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
namespace {
QByteArray chunkFrame(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

// A long-lived reply's bytes go straight to the kernel while the socket's own buffer is empty,
// the rest (a client that does not keep up) through QTcpSocket as before. QAbstractSocket's write
// buffer keeps a 32 KiB block for the life of the connection once anything went through it: that
// was 32 of the 44 KiB a held SSE stream cost (heaptrack, 2 000 streams). The parts go out with
// one sendmsg(), so a chunk's framing is not copied around the (shared) event frame.
void writeStreamParts(QHttpServerResponder &responder, std::initializer_list<QByteArrayView> parts)
{
    QTcpSocket *socket = socketOf(responder);
    if (!socket)
        return; // no connection left to write to
    qsizetype total = 0;
    for (const QByteArrayView part : parts)
        total += part.size();
    qsizetype sent = 0;
    const qintptr fd = socket->socketDescriptor();
    if (fd >= 0 && socket->bytesToWrite() == 0
        && socket->state() == QAbstractSocket::ConnectedState) {
        while (sent < total) {
            iovec vectors[4];
            int count = 0;
            qsizetype skip = sent;
            for (const QByteArrayView part : parts) {
                if (skip >= part.size()) {
                    skip -= part.size();
                    continue;
                }
                vectors[count].iov_base = const_cast<char *>(part.data() + skip);
                vectors[count].iov_len = size_t(part.size() - skip);
                skip = 0;
                ++count;
            }
            msghdr message {};
            message.msg_iov = vectors;
            message.msg_iovlen = size_t(count);
            const ssize_t n = ::sendmsg(int(fd), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            break; // full (EAGAIN) or failing: QTcpSocket queues the rest and reports errors
        }
    }
    qsizetype skip = sent;
    for (const QByteArrayView part : parts) {
        if (skip >= part.size()) {
            skip -= part.size();
            continue;
        }
        socket->write(part.data() + skip, part.size() - skip);
        skip = 0;
    }
}

void writeStreamChunk(QHttpServerResponder &responder, const QByteArray &data)
{
    char size[24];
    const int length = std::snprintf(size, sizeof size, "%llx\r\n",
                                     static_cast<unsigned long long>(data.size()));
    writeStreamParts(responder, { QByteArrayView(size, length), data, QByteArrayView("\r\n", 2) });
}
} // namespace
#endif

void beginChunked(QHttpServerResponder &responder, const HeaderPairs &headers,
                  const QByteArray &firstChunk)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    // What writeStatusLine + writeHeader + writeBody would write, in one piece.
    QByteArray head = QByteArrayLiteral("HTTP/1.1 200 OK\r\n");
    for (const auto &header : headers)
        head.append(header.first).append(": ").append(header.second).append("\r\n");
    head.append("Transfer-Encoding: chunked\r\n\r\n");
    if (!firstChunk.isEmpty())
        head.append(chunkFrame(firstChunk));
    writeStreamParts(responder, { head });
#else
    QHttpHeaders httpHeaders;
    for (const auto &header : headers)
        httpHeaders.append(header.first, header.second);
    responder.writeBeginChunked(httpHeaders, QHttpServerResponder::StatusCode::Ok);
    if (!firstChunk.isEmpty())
        responder.writeChunk(firstChunk);
#endif
}

void writeChunk(QHttpServerResponder &responder, const QByteArray &data)
{
    if (data.isEmpty())
        return; // an empty chunk would end the body
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    writeStreamChunk(responder, data);
#else
    responder.writeChunk(data);
#endif
}

void endChunked(QHttpServerResponder &responder)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    writeStreamParts(responder, { QByteArrayView("0\r\n\r\n", 5) });
#else
    responder.writeEndChunked(QByteArray());
#endif
}

} // namespace Sluice::Server::HttpCompat
