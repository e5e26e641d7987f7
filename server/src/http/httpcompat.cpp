// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/httpcompat.h"

#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

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

QByteArray chunkedHead(const HeaderPairs &headers)
{
    QByteArray head = QByteArrayLiteral("HTTP/1.1 200 OK\r\n");
    for (const auto &header : headers)
        head.append(header.first).append(": ").append(header.second).append("\r\n");
    head.append("Transfer-Encoding: chunked\r\n\r\n");
    return head;
}

#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
namespace {
QByteArray chunkFrame(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}
} // namespace
#endif

void beginChunked(QHttpServerResponder &responder, const HeaderPairs &headers,
                  const QByteArray &firstChunk)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    for (const auto &header : headers)
        responder.writeHeader(header.first, header.second);
    responder.writeHeader(QByteArrayLiteral("Transfer-Encoding"), QByteArrayLiteral("chunked"));
    responder.writeBody(firstChunk.isEmpty() ? QByteArray() : chunkFrame(firstChunk));
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
    responder.writeBody(chunkFrame(data));
#else
    responder.writeChunk(data);
#endif
}

void endChunked(QHttpServerResponder &responder)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    responder.writeBody(QByteArrayLiteral("0\r\n\r\n"));
#else
    responder.writeEndChunked(QByteArray());
#endif
}

} // namespace Sluice::Server::HttpCompat
