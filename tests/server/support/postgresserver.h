// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PostgresServer: a private PostgreSQL server for tests, never the machine's own cluster.
//
// start() runs initdb on a temporary directory, then `postgres` listening on 127.0.0.1 only, on a
// free random port, with its socket directory inside the temporary directory; the destructor
// stops it (SIGINT: fast shutdown, then SIGKILL) even when a test fails, and a test process that
// dies without running it (SIGKILL, crash) takes the server along (parent-death signal). Host
// connections need the password (scram-sha-256), so the store's password path is what the tests
// use. initdb and postgres refuse to run as root: under root both run as `nobody` (setpriv, no
// intermediate process, so the QProcess pid is the server's), owning the temporary directory.
#pragma once

#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QTemporaryDir>

namespace Sluice::Test {

class PostgresServer
{
public:
    PostgresServer();
    ~PostgresServer();
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    // Creates the cluster (first call only) and starts the server, after a stop() on the same
    // port; false + errorString() when it cannot (binaries missing, timeout).
    bool start(int timeoutMs = 60000);
    // Fast shutdown; true when the server exited.
    bool stop(int timeoutMs = 30000);
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    quint16 port() const { return m_port; }
    static QString user() { return QStringLiteral("sluice"); }
    static QString password() { return QStringLiteral("test-password"); }
    static QString database() { return QStringLiteral("postgres"); }
    // postgresql://sluice@127.0.0.1:PORT/postgres (no password: that comes separately)
    QString url() const;
    QString errorString() const { return m_error; }
    QString logOutput() const { return QString::fromLocal8Bit(m_log); }

    // Where Debian keeps initdb and postgres (postgresql-15).
    static QString binDir();

private:
    bool initCluster();
    bool run(const QString &program, const QStringList &args, QString *output);
    QStringList asServerUser(const QString &program, const QStringList &args) const;

    QTemporaryDir m_dir;
    QProcess m_process;
    QByteArray m_log;
    quint16 m_port = 0;
    bool m_initialised = false;
    QString m_error;
};

} // namespace Sluice::Test
