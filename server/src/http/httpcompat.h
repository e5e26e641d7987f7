// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The ONE place that knows how QHttpServer 6.4 differs from 6.5+/6.8:
// - responder handlers: `QHttpServerResponder &&` (6.4) vs `QHttpServerResponder &` (6.8), and
//   writeStatusLine/writeHeaders/writeBody (6.4) vs writeBeginChunked/writeChunk (6.8);
//   QHttpServerResponder::socket() exists only up to 6.4;
// - afterRequest(response, request) (6.4) vs addAfterRequestHandler(context, (request, response&))
//   (6.8);
// - listen() (removed later) vs bind(QTcpServer *) (6.4+): we always bind our own Listener.
#pragma once

#include <QtHttpServer/QHttpServer>
#include <QtHttpServer/QHttpServerResponder>
#include <QtHttpServer/QHttpServerResponse>

#include <functional>

class QTcpServer;
class QTcpSocket;

namespace Sluice::Server::HttpCompat {

#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
using Responder = QHttpServerResponder &&; // parameter type of responder-taking handlers
#else
using Responder = QHttpServerResponder &;
#endif

// Hands an already-listening QTcpServer to the QHttpServer (which takes ownership in 6.4).
void bind(QHttpServer &server, QTcpServer *listener);

// `hook` may modify every QHttpServerResponse a route handler returns, before it is written.
using AfterRequestHook = std::function<void(const QHttpServerRequest &, QHttpServerResponse &)>;
void setAfterRequestHook(QHttpServer &server, AfterRequestHook hook);

// Requests no rule matches: `handler` builds the complete response (it is not passed through the
// after-request hook, so the handler must finish it itself).
using MissingHandler = std::function<QHttpServerResponse(const QHttpServerRequest &)>;
void setMissingHandler(QHttpServer &server, MissingHandler handler);

// Writes a complete response through a responder.
void write(QHttpServerResponder &responder, QHttpServerResponse &&response);

// The connection behind a responder (nullptr where the Qt version does not expose it).
QTcpSocket *socketOf(const QHttpServerResponder &responder);

// Chunked streaming replies (SSE). On 6.4 SseStream takes the connection off QHttpServer
// (Listener::takeOverStream) and writes chunkedHead() and the chunks itself. Where the socket is
// not exposed (6.5+) it writes through the responder: 6.5–6.7 with writeStatusLine/writeHeader and
// every chunk framed `hex CRLF data CRLF` by hand (the end `0 CRLF CRLF`), 6.8 with
// writeBeginChunked / writeChunk / writeEndChunked.
using HeaderPairs = QList<QPair<QByteArray, QByteArray>>;
// The status line (200) and headers of a chunked reply, up to and including the empty line.
QByteArray chunkedHead(const HeaderPairs &headers);
void beginChunked(QHttpServerResponder &responder, const HeaderPairs &headers,
                  const QByteArray &firstChunk);
void writeChunk(QHttpServerResponder &responder, const QByteArray &data);
void endChunked(QHttpServerResponder &responder);

} // namespace Sluice::Server::HttpCompat
