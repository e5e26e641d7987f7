// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "support/serverprocess.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QFile>
#include <QtCore/QRegularExpression>

#include <csignal>
#include <sys/prctl.h>

namespace Sluice::Test {

ServerProcess::ServerProcess() = default;

ServerProcess::~ServerProcess()
{
    stop(10000);
}

QString ServerProcess::binaryPath()
{
    return QStringLiteral(SLUICE_SERVER_BINARY);
}

QString ServerProcess::binary() const
{
    return binaryPath();
}

QProcessEnvironment ServerProcess::environment(const Env &env)
{
    QProcessEnvironment result = QProcessEnvironment::systemEnvironment();
    const QStringList keys = result.keys();
    for (const QString &key : keys) {
        if (key.startsWith(QLatin1String("SLUICE_")) || key == QLatin1String("CORS_ORIGIN"))
            result.remove(key);
    }
    result.insert(QStringLiteral("SLUICE_SCRYPT_LOG_N"), QString::number(testScryptLogN));
    result.insert(QStringLiteral("SLUICE_LOGIN_HASH_RATE"), QString::number(testLoginHashRate));
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        result.insert(it.key(), it.value());
    return result;
}

bool ServerProcess::start(const QStringList &extraArgs, const Env &env, int timeoutMs)
{
    if (!m_dataDir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary data directory");
        return false;
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setProcessEnvironment(environment(env));
    // A test process killed without its destructors (SIGKILL, crash) takes the server along.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    QStringList args { QStringLiteral("--host"),     QStringLiteral("127.0.0.1"),
                       QStringLiteral("--port"),     QStringLiteral("0"),
                       QStringLiteral("--data-dir"), dataDir() };
    args += extraArgs;
    m_process->start(binaryPath(), args);
    if (!m_process->waitForStarted(timeoutMs)) {
        m_error = QStringLiteral("cannot start %1: %2").arg(binaryPath(), m_process->errorString());
        return false;
    }
    static const QRegularExpression listening(
        QStringLiteral("sluice-server listening on (http://127\\.0\\.0\\.1:\\d+)\\n"));
    // A restart (start() again after kill() or stop()) keeps the earlier output in the log:
    // only this process's output may announce the port.
    const qsizetype logStart = m_log.size();
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        m_log += m_process->readAll();
        const auto match = listening.match(QString::fromUtf8(m_log.mid(logStart)));
        if (match.hasMatch()) {
            m_baseUrl = QUrl(match.captured(1));
            return true;
        }
        if (m_process->state() == QProcess::NotRunning) {
            m_error = QStringLiteral("sluice-server exited before listening (code %1): %2")
                          .arg(m_process->exitCode())
                          .arg(QString::fromUtf8(m_log));
            return false;
        }
        m_process->waitForReadyRead(int(qBound(qint64(10), deadline.remainingTime(), qint64(200))));
    }
    m_error = QStringLiteral("sluice-server did not report listening within %1 ms: %2")
                  .arg(timeoutMs)
                  .arg(QString::fromUtf8(m_log));
    return false;
}

bool ServerProcess::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 ServerProcess::processId() const
{
    return m_process ? m_process->processId() : 0;
}

qint64 ServerProcess::residentMemoryKiB() const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(processId()));
    if (processId() == 0 || !status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

void ServerProcess::kill()
{
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return;
    m_process->kill();
    m_process->waitForFinished(10000);
    m_log += m_process->readAll();
}

bool ServerProcess::stop(int timeoutMs)
{
    if (!m_process)
        return false;
    if (m_process->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_process->processId()), SIGTERM);
        if (!m_process->waitForFinished(timeoutMs)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_log += m_process->readAll();
    const bool clean
        = m_process->exitStatus() == QProcess::NormalExit && m_process->exitCode() == 0;
    m_exitCode = m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
    m_process.reset();
    return clean;
}

QUrl ServerProcess::url(const QString &pathAndQuery) const
{
    return QUrl(m_baseUrl.toString() + pathAndQuery);
}

QString ServerProcess::logOutput()
{
    if (m_process)
        m_log += m_process->readAll();
    return QString::fromUtf8(m_log);
}

bool ServerProcess::addUser(const QString &name, const QString &password, const Env &env)
{
    const RunResult result = run({ QStringLiteral("user"), QStringLiteral("add"), name,
                                   QStringLiteral("--data-dir"), dataDir() },
                                 env, password.toUtf8() + '\n');
    if (!result.finished || result.exitCode != 0) {
        m_error = QStringLiteral("user add %1 failed (%2): %3%4")
                      .arg(name)
                      .arg(result.exitCode)
                      .arg(result.stdOut, result.stdErr);
        return false;
    }
    return true;
}

ServerProcess::RunResult ServerProcess::run(const QStringList &args, const Env &env,
                                            const QByteArray &stdinData, int timeoutMs)
{
    RunResult result;
    QProcess process;
    process.setProcessEnvironment(environment(env));
    process.start(binaryPath(), args);
    if (!process.waitForStarted(timeoutMs))
        return result;
    if (!stdinData.isEmpty())
        process.write(stdinData);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        result.stdOut = QString::fromUtf8(process.readAllStandardOutput());
        result.stdErr = QString::fromUtf8(process.readAllStandardError());
        return result;
    }
    result.finished = process.exitStatus() == QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.stdOut = QString::fromUtf8(process.readAllStandardOutput());
    result.stdErr = QString::fromUtf8(process.readAllStandardError());
    return result;
}

} // namespace Sluice::Test
