// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "support/postgresserver.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpServer>

#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

namespace Sluice::Test {

namespace {

constexpr uid_t nobodyId = 65534; // Debian's nobody / nogroup

bool isRoot()
{
    return ::geteuid() == 0;
}

// A port nothing listens on now. The server binds it a moment later: a lost race fails start(),
// which then tries another port.
quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

PostgresServer::PostgresServer()
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    // A test process that dies without its destructors (SIGKILL, a crash, a closed pipe) takes
    // the server with it: SIGQUIT is PostgreSQL's immediate shutdown.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGQUIT); });
}

PostgresServer::~PostgresServer()
{
    stop();
}

QString PostgresServer::binDir()
{
    return QStringLiteral("/usr/lib/postgresql/15/bin");
}

QString PostgresServer::url() const
{
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3")
        .arg(user(), QString::number(m_port), database());
}

QStringList PostgresServer::asServerUser(const QString &program, const QStringList &args) const
{
    QStringList command;
    if (isRoot()) {
        command << QStringLiteral("setpriv") << QStringLiteral("--reuid=%1").arg(nobodyId)
                << QStringLiteral("--regid=%1").arg(nobodyId)
                << QStringLiteral("--clear-groups")
                // Changing the user clears the parent-death signal: set it again after.
                << QStringLiteral("--pdeathsig=SIGQUIT") << QStringLiteral("--");
    }
    command << program << args;
    return command;
}

bool PostgresServer::run(const QString &program, const QStringList &args, QString *output)
{
    const QStringList command = asServerUser(program, args);
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(m_dir.path());
    process.start(command.first(), command.mid(1));
    const bool finished = process.waitForFinished(120000);
    *output = QString::fromLocal8Bit(process.readAll());
    return finished && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

bool PostgresServer::initCluster()
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary directory");
        return false;
    }
    if (!QFileInfo(binDir() + QStringLiteral("/initdb")).isExecutable()) {
        m_error = QStringLiteral("%1/initdb is missing: scripts/dev setup installs postgresql")
                      .arg(binDir());
        return false;
    }
    const QString pwfile = m_dir.filePath(QStringLiteral("pwfile"));
    QFile file(pwfile);
    if (!file.open(QIODevice::WriteOnly) || file.write(password().toUtf8()) < 0)
        return false;
    file.close();
    if (isRoot()) {
        // The server user must own its directory; nobody else reads it (mode 0700).
        for (const QString &path : { m_dir.path(), pwfile }) {
            if (::chown(QFile::encodeName(path).constData(), nobodyId, nobodyId) != 0) {
                m_error = QStringLiteral("cannot hand %1 to nobody").arg(path);
                return false;
            }
        }
    }
    QString output;
    if (!run(binDir() + QStringLiteral("/initdb"),
             { QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-U"),
               user(), QStringLiteral("--pwfile=") + pwfile, QStringLiteral("--auth-local=trust"),
               QStringLiteral("--auth-host=scram-sha-256"), QStringLiteral("-E"),
               QStringLiteral("UTF8"), QStringLiteral("--locale=C.UTF-8"),
               QStringLiteral("--no-sync") },
             &output)) {
        m_error = QStringLiteral("initdb failed: ") + output;
        return false;
    }
    m_initialised = true;
    return true;
}

bool PostgresServer::start(int timeoutMs)
{
    if (isRunning())
        return true;
    if (!m_initialised && !initCluster())
        return false;
    const QDeadlineTimer deadline(timeoutMs);
    for (int attempt = 0; attempt < 5 && !deadline.hasExpired(); ++attempt) {
        // A restart keeps its port, as a real database server does (clients reconnect to it).
        if (m_port == 0 || attempt > 0)
            m_port = freePort();
        m_log.clear();
        // Loopback only; the socket in our directory, never /var/run/postgresql.
        const QStringList command = asServerUser(
            binDir() + QStringLiteral("/postgres"),
            { QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-h"),
              QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_port),
              QStringLiteral("-k"), m_dir.path(), QStringLiteral("-c"),
              QStringLiteral("max_connections=50") });
        m_process.setWorkingDirectory(m_dir.path());
        m_process.start(command.first(), command.mid(1));
        if (!m_process.waitForStarted(10000))
            break;
        while (m_process.state() == QProcess::Running && !deadline.hasExpired()) {
            m_process.waitForReadyRead(100);
            m_log += m_process.readAll();
            if (m_log.contains("ready to accept connections"))
                return true;
        }
        m_log += m_process.readAll();
        if (m_process.state() == QProcess::Running)
            break; // timed out
        if (!m_log.contains("Address already in use"))
            break;
    }
    m_error = QStringLiteral("postgres did not start: ") + logOutput();
    stop();
    return false;
}

bool PostgresServer::stop(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return true;
    ::kill(pid_t(m_process.processId()), SIGINT); // fast shutdown: no waiting for clients
    if (!m_process.waitForFinished(timeoutMs)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    m_log += m_process.readAll();
    return m_process.state() == QProcess::NotRunning;
}

} // namespace Sluice::Test
