// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "eventformatter.h"
#include "streamoptions.h"

#include <Sluice/EventSource.h>

#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <cstdio>
#include <vector>

namespace SluiceStream {

// One run of sluice-stream: configures a Sluice::EventSource from StreamOptions, writes events to
// `out` and state changes to `err` (each flushed at once: output is usually a pipe), and decides
// the exit code. Emits finished() exactly once.
class StreamRunner : public QObject
{
    Q_OBJECT
public:
    StreamRunner(StreamOptions options, std::FILE *out, std::FILE *err, QObject *parent = nullptr);
    ~StreamRunner() override;

    // Extra per-attempt request hooks, run in order after the -H headers are set (auth modes
    // plug in here: fresh token per attempt). Call before start().
    void addRequestHook(Sluice::EventSource::RequestHook hook);

    void start();
    // Ends the run now with `exitCode` (e.g. on SIGINT). No-op once finished.
    void stop(int exitCode, const QString &reason);

    Sluice::EventSource *eventSource() const { return m_source; }
    qint64 eventCount() const { return m_eventCount; }

    // The exit code for an error that ends the run.
    static int exitCodeFor(const Sluice::Error &error);

Q_SIGNALS:
    void finished(int exitCode);

private:
    void configure();
    void onEvent(const Sluice::Event &event);
    void onError(const Sluice::Error &error);
    void onReconnecting(int attempt, std::chrono::milliseconds delay);
    void onClosed();
    void writeOut(const QByteArray &bytes);
    void writeStatus(const QByteArray &bytes);

    StreamOptions m_options;
    EventFormatter m_formatter;
    std::FILE *m_out;
    std::FILE *m_err;
    Sluice::EventSource *m_source;
    QTimer m_timeout;
    std::vector<Sluice::EventSource::RequestHook> m_hooks;
    qint64 m_eventCount = 0;
    bool m_finished = false;
};

} // namespace SluiceStream
