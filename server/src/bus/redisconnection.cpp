// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "bus/redisconnection.h"

#include "logging.h"

#include <QtCore/QSocketNotifier>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <vector>

namespace Sluice::Server {

namespace {
constexpr int firstBackoffMs = 100;
constexpr int maxBackoffMs = 5000;
} // namespace

struct RedisConnection::Pending
{
    ReplyHandler handler;
    bool persistent = false;
};

RedisConnection::RedisConnection(QString host, quint16 port, QString name, QObject *parent)
    : QObject(parent)
    , m_host(std::move(host))
    , m_port(port)
    , m_name(std::move(name))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &RedisConnection::connectNow);
}

RedisConnection::~RedisConnection()
{
    m_closing = true;
    if (m_context) {
        // Runs the pending callbacks with no reply (their Pending is freed there) and cleanup().
        redisAsyncContext *context = m_context;
        m_context = nullptr;
        context->data = nullptr;
        redisAsyncFree(context);
    }
    delete m_read;
    delete m_write;
}

void RedisConnection::open()
{
    connectNow();
}

void RedisConnection::connectNow()
{
    if (m_context || m_closing)
        return;
    redisAsyncContext *context = redisAsyncConnect(m_host.toLatin1().constData(), m_port);
    if (!context || context->err) {
        qCWarning(lcStream, "redis (%s): cannot connect: %s", qPrintable(m_name),
                  context ? context->errstr : "out of memory");
        if (context)
            redisAsyncFree(context);
        scheduleReconnect();
        return;
    }
    m_context = context;
    context->data = this;
    context->ev.data = this;
    context->ev.addRead = &RedisConnection::addRead;
    context->ev.delRead = &RedisConnection::delRead;
    context->ev.addWrite = &RedisConnection::addWrite;
    context->ev.delWrite = &RedisConnection::delWrite;
    context->ev.cleanup = &RedisConnection::cleanup;
    const int fd = context->c.fd;
    m_read = new QSocketNotifier(fd, QSocketNotifier::Read);
    m_read->setEnabled(false);
    connect(m_read, &QSocketNotifier::activated, this, [this] {
        if (m_context)
            redisAsyncHandleRead(m_context);
    });
    m_write = new QSocketNotifier(fd, QSocketNotifier::Write);
    m_write->setEnabled(false);
    connect(m_write, &QSocketNotifier::activated, this, [this] {
        if (m_context)
            redisAsyncHandleWrite(m_context);
    });
    redisAsyncSetConnectCallback(context, &RedisConnection::onConnect);
    redisAsyncSetDisconnectCallback(context, &RedisConnection::onDisconnect);
    // The non-blocking connect completes when the socket turns writable.
    m_write->setEnabled(true);
}

void RedisConnection::scheduleReconnect()
{
    if (m_closing)
        return;
    m_retry.start(m_backoffMs);
    m_backoffMs = qMin(m_backoffMs * 2, maxBackoffMs);
}

void RedisConnection::lost()
{
    // hiredis frees the context after this callback returns.
    m_context = nullptr;
    const bool wasConnected = m_connected;
    m_connected = false;
    if (wasConnected) {
        qCWarning(lcStream, "redis (%s): connection lost", qPrintable(m_name));
        Q_EMIT disconnected();
    }
    scheduleReconnect();
}

void RedisConnection::onConnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self)
        return;
    if (status != REDIS_OK) {
        qCWarning(lcStream, "redis (%s): cannot connect: %s", qPrintable(self->m_name),
                  context->errstr);
        self->lost();
        return;
    }
    self->m_connected = true;
    self->m_backoffMs = firstBackoffMs;
    qCInfo(lcStream, "redis (%s): connected to %s:%u", qPrintable(self->m_name),
           qPrintable(self->m_host), unsigned(self->m_port));
    Q_EMIT self->connected();
}

void RedisConnection::onDisconnect(const redisAsyncContext *context, int)
{
    if (auto *self = static_cast<RedisConnection *>(context->data))
        self->lost();
}

bool RedisConnection::send(const QByteArrayList &args, ReplyHandler handler)
{
    return command(args, std::move(handler), false);
}

bool RedisConnection::subscribe(const QByteArrayList &args, ReplyHandler handler)
{
    return command(args, std::move(handler), true);
}

bool RedisConnection::command(const QByteArrayList &args, ReplyHandler handler, bool persistent)
{
    if (!m_context || !m_connected)
        return false;
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        lengths.push_back(size_t(arg.size()));
    }
    auto *pending = new Pending { std::move(handler), persistent };
    if (redisAsyncCommandArgv(m_context, &RedisConnection::onReply, pending, int(argv.size()),
                              argv.data(), lengths.data())
        != REDIS_OK) {
        delete pending;
        return false;
    }
    return true;
}

void RedisConnection::onReply(redisAsyncContext *, void *reply, void *privdata)
{
    auto *pending = static_cast<Pending *>(privdata);
    const auto *r = static_cast<const redisReply *>(reply);
    if (pending->handler)
        pending->handler(r);
    // A subscription's callback runs for every message, and once more without a reply when
    // the connection goes away.
    if (!pending->persistent || !r)
        delete pending;
}

void RedisConnection::addRead(void *data)
{
    if (auto *self = static_cast<RedisConnection *>(data); self && self->m_read)
        self->m_read->setEnabled(true);
}

void RedisConnection::delRead(void *data)
{
    if (auto *self = static_cast<RedisConnection *>(data); self && self->m_read)
        self->m_read->setEnabled(false);
}

void RedisConnection::addWrite(void *data)
{
    if (auto *self = static_cast<RedisConnection *>(data); self && self->m_write)
        self->m_write->setEnabled(true);
}

void RedisConnection::delWrite(void *data)
{
    if (auto *self = static_cast<RedisConnection *>(data); self && self->m_write)
        self->m_write->setEnabled(false);
}

void RedisConnection::cleanup(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (!self)
        return;
    // May run inside a notifier's own activated() signal: delete them later (unless the
    // connection itself is going, outside any signal).
    for (QSocketNotifier *notifier : { self->m_read, self->m_write }) {
        if (!notifier)
            continue;
        notifier->setEnabled(false);
        if (self->m_closing)
            delete notifier;
        else
            notifier->deleteLater();
    }
    self->m_read = nullptr;
    self->m_write = nullptr;
}

} // namespace Sluice::Server
