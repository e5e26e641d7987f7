// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "support/redisserver.h"

#include <QtCore/QDeadlineTimer>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpServer>

#include <csignal>
#include <sys/prctl.h>

namespace Sluice::Test {

RedisServer::RedisServer()
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    // Gone with the test process even when it dies without its destructors.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
}

RedisServer::~RedisServer()
{
    stop();
}

QString RedisServer::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

bool RedisServer::start(int timeoutMs)
{
    if (m_process.state() != QProcess::NotRunning)
        return true;
    const QDeadlineTimer deadline(timeoutMs);
    for (int attempt = 0; attempt < 5 && !deadline.hasExpired(); ++attempt) {
        if (m_port == 0 || attempt > 0) {
            QTcpServer probe;
            if (!probe.listen(QHostAddress::LocalHost, 0))
                break;
            m_port = probe.serverPort();
        }
        m_log.clear();
        m_process.setWorkingDirectory(m_dir.path());
        m_process.start(QStringLiteral("redis-server"),
                        { QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--port"), QString::number(m_port),
                          QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
                          QStringLiteral("no"), QStringLiteral("--dir"), m_dir.path() });
        if (!m_process.waitForStarted(10000)) {
            m_error = QStringLiteral("redis-server is missing: scripts/dev setup installs it");
            return false;
        }
        while (m_process.state() == QProcess::Running && !deadline.hasExpired()) {
            m_process.waitForReadyRead(100);
            m_log += m_process.readAll();
            if (m_log.contains("Ready to accept connections"))
                return true;
        }
        if (m_process.state() == QProcess::Running || !m_log.contains("Address already in use"))
            break;
    }
    m_error = QStringLiteral("redis-server did not start: ") + QString::fromLocal8Bit(m_log);
    stop();
    return false;
}

bool RedisServer::stop(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return true;
    m_process.terminate();
    if (!m_process.waitForFinished(timeoutMs)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    return m_process.state() == QProcess::NotRunning;
}

} // namespace Sluice::Test
