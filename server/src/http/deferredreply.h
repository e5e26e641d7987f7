// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// DeferredReply: the answer to a request that is written after its handler returned (a login
// after its password check, an event after the group commit that made it durable). It keeps
// what the ResponseFinisher needs (Qt 6.4's QHttpServerRequest cannot be kept), and writes
// nothing once the client has gone: QHttpServer 6.4 then deletes the socket, which the
// responder knows only by a raw pointer.
#pragma once

#include "http/responsefinisher.h"

#include <QtCore/QPointer>
#include <QtHttpServer/QHttpServerResponder>
#include <QtHttpServer/QHttpServerResponse>
#include <QtNetwork/QTcpSocket>

namespace Sluice::Server {

class DeferredReply
{
public:
    // nginx's "client closed request": what the request log and the metrics say about a
    // request whose client left before it was answered.
    static constexpr int clientClosedRequest = 499;

    DeferredReply(const ResponseFinisher &finisher, const QHttpServerRequest &request,
                  QHttpServerResponder &&responder);
    Q_DISABLE_COPY_MOVE(DeferredReply)

    bool clientGone() const;
    // CORS, security headers and the log line, then the write; only the log line (499) when the
    // client has gone. Once per reply.
    void send(QHttpServerResponse &&response);
    // For a client that has gone: only the log line (499). Once per reply, like send().
    void abandon();

private:
    const ResponseFinisher &m_finisher;
    QHttpServerResponder m_responder;
    QPointer<QTcpSocket> m_socket;
    bool m_tracksSocket;
    ResponseFinisher::DeferredRequest m_request;
    bool m_sent = false;
};

} // namespace Sluice::Server
