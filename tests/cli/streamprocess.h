// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// StreamProcess: runs the sluice-stream binary for a test (SLUICE_STREAM_BINARY), with optional
// stdin and environment; the process is killed (and reaped) whatever happens to the test.

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtTest/QSignalSpy>

namespace SluiceStream::Testing {

class StreamProcess
{
public:
    static constexpr int WaitMs = 60000; // generous: ASan on a loaded 2-core machine

    explicit StreamProcess(const QStringList &arguments, const QByteArray &stdinData = {},
                           const QProcessEnvironment &environment
                           = QProcessEnvironment::systemEnvironment())
    {
        m_process.setProcessEnvironment(environment);
        m_process.start(QStringLiteral(SLUICE_STREAM_BINARY), arguments);
        if (!stdinData.isEmpty() && m_process.waitForStarted(WaitMs))
            m_process.write(stdinData);
        m_process.closeWriteChannel();
    }
    ~StreamProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }
    Q_DISABLE_COPY_MOVE(StreamProcess)

    // Waits for the exit, running the event loop (so that in-process servers keep working).
    bool finish(int timeoutMs = WaitMs)
    {
        if (m_process.state() == QProcess::NotRunning)
            return true;
        QSignalSpy finished(&m_process, &QProcess::finished);
        return finished.wait(timeoutMs) || m_process.state() == QProcess::NotRunning;
    }
    int exitCode() const
    {
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    QByteArray out()
    {
        m_out += m_process.readAllStandardOutput();
        return m_out;
    }
    QByteArray err()
    {
        m_err += m_process.readAllStandardError();
        return m_err;
    }
    QList<QByteArray> outLines() { return splitLines(out()); }
    QList<QByteArray> errLines() { return splitLines(err()); }
    // --json output, one object per line.
    QList<QJsonObject> outObjects() { return objects(out()); }
    QList<QJsonObject> errObjects() { return objects(err()); }
    // Both streams, for failure messages.
    QByteArray transcript() { return "--- stdout\n" + out() + "--- stderr\n" + err(); }
    QProcess &process() { return m_process; }

private:
    static QList<QByteArray> splitLines(const QByteArray &bytes)
    {
        QList<QByteArray> lines = bytes.split('\n');
        if (!lines.isEmpty() && lines.constLast().isEmpty())
            lines.removeLast();
        return lines;
    }
    static QList<QJsonObject> objects(const QByteArray &bytes)
    {
        QList<QJsonObject> result;
        for (const QByteArray &line : splitLines(bytes)) {
            if (!line.isEmpty())
                result.append(QJsonDocument::fromJson(line).object());
        }
        return result;
    }

    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

} // namespace SluiceStream::Testing
