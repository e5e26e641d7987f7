// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RedisServer: a private redis-server for tests, never the machine's own: 127.0.0.1 only, a free
// random port (kept across stop()/start(), as a restarted server keeps its address), no
// persistence, its directory temporary. The destructor stops it even when a test fails; a test
// process that dies without running it takes the server along (parent-death signal).
#pragma once

#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QTemporaryDir>

namespace Sluice::Test {

class RedisServer
{
public:
    RedisServer();
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    bool start(int timeoutMs = 30000);
    bool stop(int timeoutMs = 10000);
    quint16 port() const { return m_port; }
    QString url() const; // redis://127.0.0.1:PORT
    QString errorString() const { return m_error; }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QByteArray m_log;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace Sluice::Test
