// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/streamconnection.h"

#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>

#include <array>
#include <cerrno>
#include <cstdio>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace Sluice::Server {

StreamConnection::StreamConnection(int fd, QObject *parent)
    : QObject(parent)
    , m_fd(fd)
{
    if (const int flags = ::fcntl(m_fd, F_GETFL); flags >= 0 && !(flags & O_NONBLOCK))
        ::fcntl(m_fd, F_SETFL, flags | O_NONBLOCK);
    m_readNotifier = new QSocketNotifier(qintptr(m_fd), QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &StreamConnection::onReadable);
}

StreamConnection::~StreamConnection()
{
    closeDescriptor();
}

void StreamConnection::write(QByteArrayView bytes)
{
    send({ bytes });
}

void StreamConnection::writeChunk(QByteArrayView data)
{
    if (data.isEmpty())
        return;
    char size[24];
    const int length = std::snprintf(size, sizeof size, "%llx\r\n",
                                     static_cast<unsigned long long>(data.size()));
    send({ QByteArrayView(size, length), data, QByteArrayView("\r\n", 2) });
}

void StreamConnection::writeLastChunk()
{
    send({ QByteArrayView("0\r\n\r\n", 5) });
}

void StreamConnection::send(std::initializer_list<QByteArrayView> parts)
{
    if (m_state != State::Open)
        return;
    qsizetype total = 0;
    for (const QByteArrayView part : parts)
        total += part.size();
    qsizetype sent = 0;
    // Straight to the kernel while nothing waits (order), in one call for all the parts.
    while (bytesToWrite() == 0 && sent < total) {
        std::array<iovec, 4> vectors {};
        size_t count = 0;
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
        const qsizetype n = sendSome(vectors.data(), count);
        if (n < 0)
            return; // failed
        if (n == 0)
            break; // the kernel is full
        sent += n;
    }
    if (sent == total)
        return;
    qsizetype skip = sent;
    for (const QByteArrayView part : parts) {
        if (skip >= part.size()) {
            skip -= part.size();
            continue;
        }
        m_pending.append(part.sliced(skip));
        skip = 0;
    }
    setWriteInterest(true);
}

qsizetype StreamConnection::sendSome(iovec *vectors, size_t count)
{
    msghdr message {};
    message.msg_iov = vectors;
    message.msg_iovlen = count;
    for (;;) {
        const ssize_t n = ::sendmsg(m_fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        fail(); // EPIPE, ECONNRESET, ...: the client is gone
        return -1;
    }
}

void StreamConnection::flushPending()
{
    qint64 written = 0;
    while (bytesToWrite() > 0) {
        iovec rest { m_pending.data() + m_pendingOffset, size_t(bytesToWrite()) };
        const qsizetype n = sendSome(&rest, 1);
        if (n < 0)
            return; // failed
        if (n == 0)
            break; // the kernel is full
        m_pendingOffset += n;
        written += n;
    }
    if (bytesToWrite() == 0) {
        // Released, not kept: an idle stream should hold no output buffer at all.
        m_pending = QByteArray();
        m_pendingOffset = 0;
        setWriteInterest(false);
    } else if (m_pendingOffset > m_pending.size() / 2) {
        m_pending.remove(0, m_pendingOffset); // keep the backlog from creeping forward forever
        m_pendingOffset = 0;
    }
    if (m_state == State::Closing && bytesToWrite() == 0) {
        closeNow();
        return;
    }
    if (written > 0)
        Q_EMIT bytesWritten(written);
}

void StreamConnection::setWriteInterest(bool on)
{
    if (!on) {
        if (m_writeNotifier)
            m_writeNotifier->setEnabled(false);
        return;
    }
    if (!m_writeNotifier) {
        m_writeNotifier = new QSocketNotifier(qintptr(m_fd), QSocketNotifier::Write, this);
        connect(m_writeNotifier, &QSocketNotifier::activated, this,
                &StreamConnection::flushPending);
    }
    m_writeNotifier->setEnabled(true);
}

void StreamConnection::onReadable()
{
    // A small block on the stack: a stream expects nothing from its client but the end.
    std::array<char, 2048> sink;
    for (;;) {
        const ssize_t n = ::recv(m_fd, sink.data(), sink.size(), MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        fail(); // 0: the client closed; < 0: the connection failed
        return;
    }
}

void StreamConnection::fail()
{
    if (m_state == State::Closed)
        return;
    const bool report = m_state == State::Open;
    closeDescriptorAndForget();
    if (!report) {
        deleteLater();
        return;
    }
    // Queued: fail() may run inside the owner's own write. Deleted only after the report.
    QMetaObject::invokeMethod(
        this,
        [this] {
            Q_EMIT disconnected();
            deleteLater();
        },
        Qt::QueuedConnection);
}

void StreamConnection::closeAfterFlush(std::chrono::milliseconds grace)
{
    if (m_state != State::Open)
        return;
    if (bytesToWrite() == 0) {
        closeNow();
        return;
    }
    m_state = State::Closing;
    m_graceTimer = new QTimer(this);
    m_graceTimer->setSingleShot(true);
    connect(m_graceTimer, &QTimer::timeout, this, [this] {
        // The peer did not take the rest: a reset, or the kernel would keep trying to deliver it.
        const linger immediate { 1, 0 };
        ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &immediate, sizeof immediate);
        closeNow();
    });
    m_graceTimer->start(grace);
}

void StreamConnection::abort()
{
    closeNow();
}

void StreamConnection::closeNow()
{
    if (m_state == State::Closed)
        return;
    closeDescriptorAndForget();
    deleteLater();
}

void StreamConnection::closeDescriptorAndForget()
{
    m_state = State::Closed;
    if (m_graceTimer)
        m_graceTimer->stop();
    m_pending = QByteArray();
    m_pendingOffset = 0;
    closeDescriptor();
}

void StreamConnection::closeDescriptor()
{
    if (m_fd < 0)
        return;
    // Notifiers off first: an event dispatcher must stop watching a descriptor before it closes.
    m_readNotifier->setEnabled(false);
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(false);
    ::close(m_fd);
    m_fd = -1;
}

} // namespace Sluice::Server
