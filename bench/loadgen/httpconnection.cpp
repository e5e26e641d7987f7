// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "httpconnection.h"

#include <QtCore/QByteArrayView>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace Sluice::LoadGen {

namespace {

constexpr std::uint32_t readInterest = EPOLLIN | EPOLLRDHUP | EPOLLET;

// The value of header `name` (lower case, with the colon) in a raw header block, or empty.
QByteArray headerValue(const QByteArray &headers, QByteArrayView name)
{
    const QByteArray lower = headers.toLower();
    qsizetype at = lower.indexOf(name);
    while (at > 0 && lower.at(at - 1) != '\n')
        at = lower.indexOf(name, at + 1);
    if (at < 0)
        return {};
    const qsizetype end = headers.indexOf('\n', at);
    return headers.mid(at + name.size(), end < 0 ? -1 : end - at - name.size()).trimmed();
}

} // namespace

HttpConnection::HttpConnection(EventLoop &loop, const sockaddr_in &server, in_addr source)
    : m_loop(loop)
    , m_server(server)
    , m_source(source)
{ }

HttpConnection::~HttpConnection()
{
    if (m_fd >= 0) {
        m_loop.unwatch(m_fd);
        ::close(m_fd);
    }
}

bool HttpConnection::open()
{
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0)
        return false;
    const int one = 1;
    setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (m_source.s_addr != htonl(INADDR_ANY)) {
        // Several source addresses of 127.0.0.0/8 multiply the ~28 000 ephemeral ports one
        // address has towards one server port; the kernel still picks the port.
        setsockopt(m_fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in local {};
        local.sin_family = AF_INET;
        local.sin_addr = m_source;
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0) {
            const int saved = errno;
            ::close(m_fd);
            m_fd = -1;
            errno = saved;
            return false;
        }
    }
    const int rc = ::connect(m_fd, reinterpret_cast<const sockaddr *>(&m_server), sizeof m_server);
    if (rc != 0 && errno != EINPROGRESS) {
        const int saved = errno;
        ::close(m_fd);
        m_fd = -1;
        errno = saved;
        return false;
    }
    m_wantWrite = true; // the connect completes when the socket becomes writable
    m_loop.watch(m_fd, readInterest | EPOLLOUT, this);
    return true;
}

void HttpConnection::send(QByteArray request)
{
    if (m_out.size() == m_outSent) {
        m_out = std::move(request);
        m_outSent = 0;
    } else {
        m_out.append(request);
    }
    if (m_connected)
        flush();
}

void HttpConnection::close(const char *reason)
{
    if (m_fd < 0)
        return;
    m_loop.unwatch(m_fd);
    ::close(m_fd);
    m_fd = -1;
    m_connected = false;
    if (onClosed)
        onClosed(reason);
}

void HttpConnection::onPollEvents(std::uint32_t events)
{
    if (m_fd < 0)
        return;
    if (!m_connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
            close(std::strerror(error));
            return;
        }
        m_connected = true;
        if (onConnected)
            onConnected();
        if (m_fd < 0)
            return;
        flush();
    } else if (events & EPOLLOUT) {
        flush();
    }
    if (m_fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        readAvailable();
}

void HttpConnection::flush()
{
    while (m_fd >= 0 && m_outSent < m_out.size()) {
        const ssize_t n = ::send(m_fd, m_out.constData() + m_outSent,
                                 std::size_t(m_out.size() - m_outSent), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN)
                break;
            if (errno == EINTR)
                continue;
            close(std::strerror(errno));
            return;
        }
        m_outSent += n;
    }
    if (m_outSent == m_out.size()) {
        m_out.clear();
        m_outSent = 0;
    }
    updateInterest();
}

void HttpConnection::updateInterest()
{
    const bool want = m_outSent < m_out.size() || !m_connected;
    if (m_fd >= 0 && want != m_wantWrite) {
        m_wantWrite = want;
        m_loop.rewatch(m_fd, readInterest | (want ? EPOLLOUT : 0u), this);
    }
}

void HttpConnection::readAvailable()
{
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            m_in.append(buffer, n);
            parse();
            if (m_fd < 0)
                return;
            continue;
        }
        if (n == 0) {
            if (!m_inHead && m_bodyMode == BodyMode::UntilClose && onResponseEnd)
                onResponseEnd();
            close("closed by server");
            return;
        }
        if (errno == EAGAIN)
            return;
        if (errno == EINTR)
            continue;
        close(std::strerror(errno));
        return;
    }
}

void HttpConnection::parse()
{
    while (m_fd >= 0 && m_inPos < m_in.size()) {
        if (m_inHead) {
            if (!parseHead())
                break;
            continue;
        }
        const char *data = m_in.constData() + m_inPos;
        const qsizetype available = m_in.size() - m_inPos;
        if (m_bodyMode == BodyMode::UntilClose
            || (m_bodyMode == BodyMode::Chunked && m_chunkState == ChunkState::Data)
            || m_bodyMode == BodyMode::Length) {
            const qsizetype take = m_bodyMode == BodyMode::UntilClose
                ? available
                : qsizetype(std::min<std::int64_t>(available, m_remaining));
            if (take > 0 && onBody)
                onBody(data, std::size_t(take));
            m_inPos += take;
            if (m_bodyMode != BodyMode::UntilClose) {
                m_remaining -= take;
                if (m_remaining == 0) {
                    if (m_bodyMode == BodyMode::Length)
                        finishResponse();
                    else
                        m_chunkState = ChunkState::DataEnd;
                }
            }
            continue;
        }
        // Chunk framing lines: size, the CRLF after data, trailers.
        const qsizetype eol = m_in.indexOf('\n', m_inPos);
        if (eol < 0)
            break;
        const QByteArray line = m_in.mid(m_inPos, eol - m_inPos).trimmed();
        m_inPos = eol + 1;
        if (m_chunkState == ChunkState::Size) {
            const qsizetype semicolon = line.indexOf(';');
            bool ok = false;
            m_remaining = (semicolon < 0 ? line : line.left(semicolon)).toLongLong(&ok, 16);
            if (!ok) {
                close("malformed chunk size");
                return;
            }
            m_chunkState = m_remaining == 0 ? ChunkState::Trailer : ChunkState::Data;
        } else if (m_chunkState == ChunkState::DataEnd) {
            m_chunkState = ChunkState::Size;
        } else if (line.isEmpty()) { // end of trailers
            finishResponse();
        }
    }
    // Drop what was consumed once it is most of the buffer, to keep appends cheap.
    if (m_inPos > 0 && (m_inPos == m_in.size() || m_inPos > 64 * 1024)) {
        m_in.remove(0, m_inPos);
        m_inPos = 0;
    }
}

bool HttpConnection::parseHead()
{
    const qsizetype end = m_in.indexOf("\r\n\r\n", m_inPos);
    if (end < 0)
        return false;
    const QByteArray head = m_in.mid(m_inPos, end - m_inPos);
    m_inPos = end + 4;
    Head parsed;
    const qsizetype firstSpace = head.indexOf(' ');
    parsed.status = firstSpace < 0 ? 0 : head.mid(firstSpace + 1, 3).toInt();
    const qsizetype firstEol = head.indexOf('\n');
    parsed.headers = firstEol < 0 ? QByteArray() : head.mid(firstEol + 1);
    if (parsed.status == 100)
        return true; // an interim answer; the real head follows
    const QByteArray length = headerValue(parsed.headers, "content-length:");
    if (headerValue(parsed.headers, "transfer-encoding:").toLower().contains("chunked")) {
        m_bodyMode = BodyMode::Chunked;
        m_chunkState = ChunkState::Size;
    } else if (!length.isEmpty()) {
        m_bodyMode = BodyMode::Length;
        m_remaining = length.toLongLong();
    } else if (parsed.status == 204 || parsed.status == 304) {
        m_bodyMode = BodyMode::Length;
        m_remaining = 0;
    } else {
        m_bodyMode = BodyMode::UntilClose;
    }
    m_inHead = false;
    if (onHead)
        onHead(parsed);
    if (m_fd >= 0 && m_bodyMode == BodyMode::Length && m_remaining == 0)
        finishResponse();
    return true;
}

void HttpConnection::finishResponse()
{
    m_inHead = true;
    m_bodyMode = BodyMode::None;
    if (onResponseEnd)
        onResponseEnd();
}

} // namespace Sluice::LoadGen
