// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "eventformatter.h"
#include "promptsetup.h"
#include "streamoptions.h"

#include <Sluice/EventSource.h>

#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <cstdio>
#include <vector>

namespace Sluice {
class PromptStream;
} // namespace Sluice

namespace SluiceStream {

// One run of sluice-stream, in either form:
//   URL form     a Sluice::EventSource on the URL, configured from StreamOptions;
//   server form  PromptSetup signs in (and creates the prompt), then a Sluice::PromptStream
//                follows the prompt; its eventSource() gets the same stream options.
// The one place for output and exit codes: events go to `out`, state changes to `err` (each
// flushed at once: output is usually a pipe), and every way a run can end goes through stop()
// with a code from exitCodeFor() or a fixed one. Emits finished() exactly once.
class StreamRunner : public QObject
{
    Q_OBJECT
public:
    StreamRunner(StreamOptions options, std::FILE *out, std::FILE *err, QObject *parent = nullptr);
    ~StreamRunner() override;

    // URL form: extra per-attempt request hooks, run in order after the -H headers are set.
    // Call before start(). (The server form's credentials are the PromptStream's business.)
    void addRequestHook(Sluice::EventSource::RequestHook hook);
    // Server form: where the password of --password-stdin comes from. Call before start().
    void setPasswordProvider(PasswordProvider provider);

    void start();
    // Ends the run now with `exitCode` (e.g. on SIGINT). No-op once finished.
    void stop(int exitCode, const QString &reason);

    // The EventSource being driven: the URL form's own, or the PromptStream's once the server
    // form follows its prompt (nullptr before).
    Sluice::EventSource *eventSource() const;
    // Server form: the stream, once following (nullptr before and in the URL form).
    Sluice::PromptStream *promptStream() const { return m_stream; }
    qint64 eventCount() const { return m_eventCount; }

    // The exit code for an error that ends the run (stream, sign-in, API or keychain error).
    static int exitCodeFor(const Sluice::Error &error);

Q_SIGNALS:
    void finished(int exitCode);

private:
    void startUrlForm();
    void startServerForm();
    void follow(const QString &sessionId, const QString &promptId);
    void applyStreamOptions(Sluice::EventSource *source);
    void connectSourceSignals(Sluice::EventSource *source);
    void writeConnecting(int attempt, const QByteArray &method, const QNetworkRequest &request);
    void onEvent(const Sluice::Event &event);
    void onError(const Sluice::Error &error);
    void onReconnecting(int attempt, std::chrono::milliseconds delay);
    void onSourceClosed();
    void onStreamFinished();
    void writeOut(const QByteArray &bytes);
    // State changes: not with --quiet.
    void writeStatus(const QByteArray &bytes);
    // Errors and results the user asked for: even with --quiet.
    void writeAlways(const QByteArray &bytes);

    StreamOptions m_options;
    EventFormatter m_formatter;
    std::FILE *m_out;
    std::FILE *m_err;
    QTimer m_timeout;
    qint64 m_eventCount = 0;
    bool m_finished = false;

    // URL form
    Sluice::EventSource *m_source = nullptr;
    std::vector<Sluice::EventSource::RequestHook> m_hooks;

    // server form
    PasswordProvider m_passwordProvider;
    PromptSetup *m_setup = nullptr;
    Sluice::PromptStream *m_stream = nullptr;
    QString m_lastEventType;
};

} // namespace SluiceStream
