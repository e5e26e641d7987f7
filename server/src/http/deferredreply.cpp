// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/deferredreply.h"

#include "http/httpcompat.h"

namespace Sluice::Server {

DeferredReply::DeferredReply(const ResponseFinisher &finisher, const QHttpServerRequest &request,
                             QHttpServerResponder &&responder)
    : m_finisher(finisher)
    , m_responder(std::move(responder))
    , m_socket(HttpCompat::socketOf(m_responder))
    , m_tracksSocket(!m_socket.isNull())
    , m_request(finisher.defer(request))
{ }

bool DeferredReply::clientGone() const
{
    return m_tracksSocket && (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState);
}

void DeferredReply::send(QHttpServerResponse &&response)
{
    if (m_sent)
        return;
    if (clientGone()) {
        abandon();
        return;
    }
    m_sent = true;
    m_finisher.finish(m_request, response); // CORS, security headers, log line
    HttpCompat::write(m_responder, std::move(response));
}

void DeferredReply::abandon()
{
    if (m_sent)
        return;
    m_sent = true;
    m_finisher.logDeferred(m_request, clientClosedRequest);
}

} // namespace Sluice::Server
