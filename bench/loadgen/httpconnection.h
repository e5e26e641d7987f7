// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "eventloop.h"

#include <QtCore/QByteArray>

#include <netinet/in.h>

#include <cstdint>
#include <functional>

namespace Sluice::LoadGen {

// One non-blocking HTTP/1.1 client connection on the load generator's epoll loop: sends
// requests, parses response heads and bodies (Content-Length, chunked, or until close) and
// hands body bytes over as they arrive, so an SSE response is consumed while it streams.
// Connections are owned by their scenario and outlive the loop run: the loop may still hold
// events for a connection that closed earlier in the same batch.
class HttpConnection final : public Pollable
{
public:
    struct Head
    {
        int status = 0;
        QByteArray headers; // raw header block, for the rare caller that needs a field
    };

    std::function<void()> onConnected;
    std::function<void(const Head &)> onHead;
    std::function<void(const char *data, std::size_t size)> onBody;
    std::function<void()> onResponseEnd; // a whole response arrived; the connection is reusable
    std::function<void(const char *reason)> onClosed; // closed, by either side or an error

    HttpConnection(EventLoop &loop, const sockaddr_in &server, in_addr source);
    ~HttpConnection() override;
    HttpConnection(const HttpConnection &) = delete;
    HttpConnection &operator=(const HttpConnection &) = delete;

    // Starts a non-blocking connect; false (with errno set) when the socket cannot be made.
    bool open();
    void send(QByteArray request);
    void close(const char *reason);

    bool isOpen() const { return m_fd >= 0; }
    bool isConnected() const { return m_connected; }

    void onPollEvents(std::uint32_t events) override;

private:
    void flush();
    void readAvailable();
    void parse();
    bool parseHead();
    void finishResponse();
    void updateInterest();

    enum class BodyMode { None, Length, Chunked, UntilClose };
    enum class ChunkState { Size, Data, DataEnd, Trailer };

    EventLoop &m_loop;
    sockaddr_in m_server;
    in_addr m_source;
    int m_fd = -1;
    bool m_connected = false;
    bool m_wantWrite = false;
    QByteArray m_out;
    qsizetype m_outSent = 0;
    QByteArray m_in;
    qsizetype m_inPos = 0;
    bool m_inHead = true;
    BodyMode m_bodyMode = BodyMode::None;
    ChunkState m_chunkState = ChunkState::Size;
    std::int64_t m_remaining = 0;
};

} // namespace Sluice::LoadGen
