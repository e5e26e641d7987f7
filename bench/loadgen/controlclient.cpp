// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "controlclient.h"

#include <arpa/inet.h>

namespace Sluice::LoadGen {

ControlClient::ControlClient(EventLoop &loop, const sockaddr_in &server, int connections)
    : m_loop(loop)
    , m_server(server)
{
    for (int i = 0; i < connections; ++i) {
        m_slots.push_back(std::make_unique<Slot>());
        reconnect(*m_slots.back());
    }
}

ControlClient::~ControlClient() = default;

void ControlClient::reconnect(Slot &slot)
{
    if (slot.connection)
        m_retired.push_back(std::move(slot.connection)); // the loop may still name it
    in_addr any {};
    any.s_addr = htonl(INADDR_ANY);
    slot.connection = std::make_unique<HttpConnection>(m_loop, m_server, any);
    HttpConnection *connection = slot.connection.get();
    connection->onHead = [&slot](const HttpConnection::Head &head) {
        slot.reply.status = head.status;
    };
    connection->onBody = [&slot](const char *data, std::size_t size) {
        slot.reply.body.append(data, qsizetype(size));
    };
    connection->onResponseEnd = [this, &slot] {
        if (!slot.busy)
            return;
        slot.busy = false;
        --m_busy;
        slot.reply.answeredNs = monotonicNs();
        Reply reply = std::move(slot.reply);
        Callback callback = std::move(slot.current.callback);
        slot.reply = {};
        callback(reply);
        dispatch();
    };
    connection->onClosed = [this, &slot, connection](const char *) {
        if (slot.connection.get() != connection)
            return;
        if (slot.busy) {
            // The answer never came: the request fails (the caller counts it), it is not
            // re-sent, because a publish must never be applied twice.
            slot.busy = false;
            --m_busy;
            Reply reply = std::move(slot.reply);
            reply.status = 0;
            reply.answeredNs = monotonicNs();
            Callback callback = std::move(slot.current.callback);
            slot.reply = {};
            reconnect(slot);
            callback(reply);
        } else {
            reconnect(slot);
        }
        dispatch();
    };
    connection->open();
}

void ControlClient::request(QByteArrayView method, const QByteArray &path,
                            const QByteArray &jsonBody, Callback callback)
{
    QByteArray wire;
    wire.reserve(256 + jsonBody.size() + m_bearer.size());
    wire.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (!m_bearer.isEmpty())
        wire.append("Authorization: Bearer ").append(m_bearer).append("\r\n");
    // An empty POST says so with its length only: a JSON content type with no body is a 400
    // for fastify.
    if (!jsonBody.isEmpty())
        wire.append("Content-Type: application/json\r\n");
    if (!jsonBody.isEmpty() || method == "POST")
        wire.append("Content-Length: ").append(QByteArray::number(jsonBody.size())).append("\r\n");
    wire.append("\r\n").append(jsonBody);
    m_queue.push_back({ std::move(wire), std::move(callback) });
    dispatch();
}

void ControlClient::dispatch()
{
    for (auto &slot : m_slots) {
        if (m_queue.empty())
            return;
        if (slot->busy || !slot->connection->isOpen())
            continue;
        Pending next = std::move(m_queue.front());
        m_queue.pop_front();
        start(*slot, std::move(next));
    }
}

void ControlClient::start(Slot &slot, Pending pending)
{
    slot.busy = true;
    ++m_busy;
    slot.reply = {};
    slot.reply.sentNs = monotonicNs();
    QByteArray wire = pending.wire;
    slot.current = std::move(pending);
    slot.connection->send(std::move(wire));
}

} // namespace Sluice::LoadGen
