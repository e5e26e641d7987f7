// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// ServerProcess: runs the real sluice-server binary for integration tests. start() launches it on
// 127.0.0.1 port 0 with a temporary data directory and waits for "sluice-server listening on
// http://127.0.0.1:PORT"; all stdout+stderr is captured into logOutput(); the destructor stops the
// process (SIGTERM, then SIGKILL) even when a test fails.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTemporaryDir>
#include <QtCore/QUrl>

#include <memory>

namespace Sluice::Test {

class ServerProcess
{
public:
    using Env = QMap<QString, QString>;

    ServerProcess();
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    // Extra arguments come after --host 127.0.0.1 --port 0 --data-dir <tmp>, so they win.
    // Calling it again after kill() or stop() restarts the server on the same data directory
    // (on a new port).
    bool start(const QStringList &extraArgs = {}, const Env &env = {}, int timeoutMs = 60000);
    // SIGTERM and wait; SIGKILL after timeoutMs. True when the process exited normally with 0.
    bool stop(int timeoutMs = 30000);
    bool isRunning() const;
    // streaming: the server's pid (0 when not running) and SIGKILL (crash simulation).
    qint64 processId() const;
    // The server's resident memory (VmRSS) in KiB, -1 when it is not running.
    qint64 residentMemoryKiB() const;
    void kill();
    int exitCode() const { return m_exitCode; }

    QUrl baseUrl() const { return m_baseUrl; }
    QUrl url(const QString &pathAndQuery) const;
    quint16 port() const { return quint16(m_baseUrl.port()); }
    QString dataDir() const
    {
        return m_customDataDir.isEmpty() ? m_dataDir.path() : m_customDataDir;
    }
    // Use this directory (kept by the caller) instead of the temporary one, from the next start().
    void setDataDir(const QString &path) { m_customDataDir = path; }
    QString binary() const;
    // Everything the process has written to stdout and stderr so far.
    QString logOutput();
    QString errorString() const { return m_error; }

    // `sluice-server user add NAME --data-dir <this data dir>` with the password on stdin (and
    // `env` as for run(), e.g. another SLUICE_SCRYPT_LOG_N).
    bool addUser(const QString &name, const QString &password, const Env &env = {});

    struct RunResult
    {
        bool finished = false;
        int exitCode = -1;
        QString stdOut;
        QString stdErr;
    };
    // Runs the binary to completion (for --help, invalid configurations, `user` commands).
    static RunResult run(const QStringList &args, const Env &env = {},
                         const QByteArray &stdinData = {}, int timeoutMs = 60000);
    // The inherited environment without any SLUICE_* / CORS_ORIGIN variable, plus `env`. Password
    // hashes are cheap unless `env` says otherwise (an empty value restores the default): scrypt
    // N = 2^testScryptLogN for the server and `user` commands, and a hash budget that suites
    // logging in many times in a row do not reach.
    static QProcessEnvironment environment(const Env &env);
    static constexpr int testScryptLogN = 12;
    static constexpr int testLoginHashRate = 1000;
    static QString binaryPath();

private:
    QTemporaryDir m_dataDir;
    QString m_customDataDir;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_log;
    QUrl m_baseUrl;
    QString m_error;
    int m_exitCode = -1;
};

} // namespace Sluice::Test
