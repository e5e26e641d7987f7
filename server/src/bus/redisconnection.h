// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RedisConnection: one asynchronous hiredis connection on the Qt event loop, reconnecting with
// backoff. hiredis 0.14's adapters/qt.h declares a Q_OBJECT in a system header (it would need
// qt_wrap_cpp); this class is the small QSocketNotifier adapter instead.
//
// send() queues a command while connected (false otherwise: the caller decides what a lost
// command means); replies come back to the callback, on the event loop. connected() is emitted
// on every (re)connection, disconnected() once per lost connection; a dropped or refused
// connection is retried after 100 ms, doubling up to 5 s.
#pragma once

#include <QtCore/QByteArrayList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QTimer>

#include <functional>
#include <memory>

struct redisAsyncContext;
struct redisReply;
class QSocketNotifier;

namespace Sluice::Server {

class RedisConnection final : public QObject
{
    Q_OBJECT

public:
    // A reply (nullptr when the connection went away before it came).
    using ReplyHandler = std::function<void(const redisReply *)>;

    RedisConnection(QString host, quint16 port, QString name, QObject *parent = nullptr);
    ~RedisConnection() override;

    void open();
    bool isConnected() const { return m_connected; }
    // A one-shot command; `handler` may be empty.
    bool send(const QByteArrayList &args, ReplyHandler handler = {});
    // A command whose replies keep coming (SUBSCRIBE, PSUBSCRIBE): `handler` gets each of them.
    bool subscribe(const QByteArrayList &args, ReplyHandler handler);

Q_SIGNALS:
    void connected();
    void disconnected();

private:
    struct Pending;
    bool command(const QByteArrayList &args, ReplyHandler handler, bool persistent);
    void connectNow();
    void scheduleReconnect();
    void lost();
    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onReply(redisAsyncContext *context, void *reply, void *privdata);
    static void addRead(void *data);
    static void delRead(void *data);
    static void addWrite(void *data);
    static void delWrite(void *data);
    static void cleanup(void *data);

    QString m_host;
    quint16 m_port;
    QString m_name; // in log lines
    redisAsyncContext *m_context = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    QTimer m_retry;
    int m_backoffMs = 100;
    bool m_connected = false;
    bool m_closing = false;
};

} // namespace Sluice::Server
