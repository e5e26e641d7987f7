// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "httpconnection.h"

#include <QtCore/QByteArray>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace Sluice::LoadGen {

// The API calls of a run (sign-in, sessions, prompts, stream tokens, publishing) over a few
// keep-alive connections on the same loop as the streams; one request per connection at a
// time, the rest queued in order. A connection the server closes is replaced.
class ControlClient
{
public:
    struct Reply
    {
        int status = 0; // 0: the connection failed before an answer
        QByteArray body;
        std::int64_t sentNs = 0;
        std::int64_t answeredNs = 0;
    };
    using Callback = std::function<void(const Reply &)>;

    ControlClient(EventLoop &loop, const sockaddr_in &server, int connections);
    ~ControlClient();

    void setBearer(const QByteArray &token) { m_bearer = token; }
    void request(QByteArrayView method, const QByteArray &path, const QByteArray &jsonBody,
                 Callback callback);
    std::size_t pending() const { return m_queue.size() + std::size_t(m_busy); }

private:
    struct Pending
    {
        QByteArray wire;
        Callback callback;
    };
    struct Slot
    {
        std::unique_ptr<HttpConnection> connection;
        bool busy = false;
        Pending current;
        Reply reply;
    };

    void dispatch();
    void start(Slot &slot, Pending pending);
    void reconnect(Slot &slot);

    EventLoop &m_loop;
    sockaddr_in m_server;
    QByteArray m_bearer;
    std::vector<std::unique_ptr<Slot>> m_slots;
    std::vector<std::unique_ptr<HttpConnection>> m_retired;
    std::deque<Pending> m_queue;
    int m_busy = 0;
};

} // namespace Sluice::LoadGen
