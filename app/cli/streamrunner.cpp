// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "streamrunner.h"

#include "exitcode.h"

#include "common/redaction.h"

#include <Sluice/AuthSession.h>
#include <Sluice/PromptStream.h>

#include <QtNetwork/QNetworkRequest>

namespace SluiceStream {

StreamRunner::StreamRunner(StreamOptions options, std::FILE *out, std::FILE *err, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_formatter(m_options.json ? EventFormatter::Style::Json : EventFormatter::Style::Text)
    , m_out(out)
    , m_err(err)
{
    if (!m_options.isServerForm())
        m_source = new Sluice::EventSource(this);
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this,
            [this] { stop(ExitCode::Timeout, QStringLiteral("timeout")); });
}

StreamRunner::~StreamRunner()
{
    // Torn down while the members their signals reach are alive, and the stream before the
    // session it uses.
    m_finished = true;
    delete m_stream;
    delete m_setup;
}

void StreamRunner::addRequestHook(Sluice::EventSource::RequestHook hook)
{
    m_hooks.push_back(std::move(hook));
}

void StreamRunner::setPasswordProvider(PasswordProvider provider)
{
    m_passwordProvider = std::move(provider);
}

Sluice::EventSource *StreamRunner::eventSource() const
{
    if (m_stream)
        return m_stream->eventSource();
    return m_source;
}

int StreamRunner::exitCodeFor(const Sluice::Error &error)
{
    using Kind = Sluice::Error::Kind;
    switch (error.kind()) {
    case Kind::NoError:
    case Kind::EndOfStream: // the server ended the stream after a complete event: a normal end
        return ExitCode::Success;
    case Kind::HttpStatus:
        return error.isAuthError() ? ExitCode::AuthFailure : ExitCode::HttpFailure;
    case Kind::ContentType:
    case Kind::TooManyRedirects:
    case Kind::NotFound:
    case Kind::InvalidRequest:
    case Kind::ServerError:
    case Kind::ProtocolError:
        return ExitCode::HttpFailure;
    case Kind::ParseLimit:
        return ExitCode::ParseLimit;
    case Kind::Network:
    case Kind::Tls:
    case Kind::Timeout:
    case Kind::RetriesExhausted:
        // RetriesExhausted carries the last attempt's status: a stream that kept being refused
        // (401/403) is an auth failure, not a network one.
        return error.isAuthError() ? ExitCode::AuthFailure : ExitCode::NetworkFailure;
    case Kind::InvalidCredentials:
    case Kind::RateLimited:
    case Kind::Unauthorized:
    case Kind::SessionRevoked:
    case Kind::SessionExpired:
    case Kind::NotSignedIn:
    case Kind::Forbidden:
    case Kind::Keychain:
        return ExitCode::AuthFailure;
    case Kind::Canceled:
        return ExitCode::InternalError;
    }
    return ExitCode::InternalError;
}

void StreamRunner::start()
{
    // --timeout covers the whole run, signing in included.
    if (m_options.timeout)
        m_timeout.start(*m_options.timeout);
    if (m_options.isServerForm())
        startServerForm();
    else
        startUrlForm();
}

void StreamRunner::applyStreamOptions(Sluice::EventSource *source)
{
    const StreamOptions &o = m_options;
    if (o.readTimeout)
        source->setReadTimeout(*o.readTimeout);
    if (o.maxRedirects)
        source->setMaxRedirects(*o.maxRedirects);

    Sluice::RetryPolicy policy = source->retryPolicy();
    if (o.retryInitial)
        policy.setInitialDelay(*o.retryInitial);
    if (o.retryMax)
        policy.setMaxDelay(*o.retryMax);
    if (o.maxRetries) // N retries after the first failed attempt: N + 1 attempts in all
        policy.setMaxAttempts(*o.maxRetries + 1);
    if (o.retryBudget)
        policy.setMaxElapsed(*o.retryBudget);
    source->setRetryPolicy(policy);

    Sluice::SseParser::Limits limits = source->parserLimits();
    if (o.maxLineBytes)
        limits.setMaxLineBytes(*o.maxLineBytes);
    if (o.maxEventBytes)
        limits.setMaxEventBytes(*o.maxEventBytes);
    source->setParserLimits(limits);
}

void StreamRunner::connectSourceSignals(Sluice::EventSource *source)
{
    // Every request the stream sends (each attempt and redirect hop, credentials in place: the
    // URL is shown with the stream token redacted, headers by name only).
    connect(source, &Sluice::EventSource::requestSent, this,
            [this](const QByteArray &method, const QNetworkRequest &request,
                   const Sluice::AttemptContext &context) {
                if (!m_finished)
                    writeConnecting(context.attempt(), method, request);
            });
    connect(source, &Sluice::EventSource::opened, this, [this] {
        if (!m_finished)
            writeStatus(m_formatter.opened());
    });
    connect(source, &Sluice::EventSource::comment, this, [this](const QString &text) {
        if (!m_finished)
            writeStatus(m_formatter.comment(text));
    });
}

void StreamRunner::writeConnecting(int attempt, const QByteArray &method,
                                   const QNetworkRequest &request)
{
    writeStatus(
        m_formatter.connecting(attempt, method, Sluice::Common::redactedUrl(request.url())));
    if (m_options.verbose)
        writeStatus(m_formatter.requestHeaders(request.rawHeaderList()));
}

// --- URL form ----------------------------------------------------------------------------------

void StreamRunner::startUrlForm()
{
    const StreamOptions &o = m_options;
    m_source->setUrl(o.url);
    m_source->setMethod(o.method);
    if (o.body)
        m_source->setBody(*o.body, o.contentType);
    for (const auto &header : o.headers)
        m_source->setRawHeader(header.first, header.second);
    if (!o.lastEventId.isEmpty())
        m_source->setLastEventId(o.lastEventId);
    applyStreamOptions(m_source);

    m_source->setRequestHook(
        [this](QNetworkRequest &request, const Sluice::AttemptContext &context) {
            for (const auto &hook : m_hooks) {
                hook(request, context);
                if (m_source->isAttemptDeferred() || m_finished)
                    return; // the hook waits for something (a token); it runs again on resume
            }
        });

    connectSourceSignals(m_source);
    connect(m_source, &Sluice::EventSource::eventReceived, this, &StreamRunner::onEvent);
    connect(m_source, &Sluice::EventSource::errorOccurred, this, &StreamRunner::onError);
    connect(m_source, &Sluice::EventSource::reconnecting, this, &StreamRunner::onReconnecting);
    connect(m_source, &Sluice::EventSource::closed, this, &StreamRunner::onSourceClosed);
    m_source->open();
}

void StreamRunner::onSourceClosed()
{
    // Closed without a fatal error first: the server said stop (204).
    stop(ExitCode::Success, QStringLiteral("server closed the stream (no reconnect)"));
}

// --- server form -------------------------------------------------------------------------------

void StreamRunner::startServerForm()
{
    m_setup = new PromptSetup(m_options, m_passwordProvider, this);
    connect(m_setup, &PromptSetup::keychainFallback, this, [this](const Sluice::Error &reason) {
        if (m_finished)
            return;
        // Shown as an error the run recovers from (willRetry): the password comes next.
        const QString message
            = reason.message() + QStringLiteral("; signing in with the password from stdin");
        writeStatus(
            m_formatter.error(Sluice::Error(reason.kind(), message, reason.httpStatus(), true)));
    });
    connect(m_setup, &PromptSetup::signedIn, this, [this](const QString &with) {
        if (!m_finished)
            writeStatus(m_formatter.signedIn(m_options.userName, with));
    });
    connect(m_setup, &PromptSetup::promptCreated, this,
            [this](const QString &sessionId, const QString &promptId) {
                // A result the caller may need (to follow the prompt again): even with --quiet.
                if (!m_finished)
                    writeAlways(m_formatter.prompt(sessionId, promptId));
            });
    connect(m_setup, &PromptSetup::ready, this, &StreamRunner::follow);
    connect(m_setup, &PromptSetup::failed, this, [this](const Sluice::Error &error) {
        if (m_finished)
            return;
        writeAlways(m_formatter.error(error));
        stop(exitCodeFor(error), error.message());
    });
    connect(m_setup, &PromptSetup::passwordUnavailable, this,
            [this](const QString &message) { stop(ExitCode::UsageError, message); });
    connect(m_setup, &PromptSetup::warning, this, [this](const Sluice::Error &error) {
        if (!m_finished)
            writeAlways(m_formatter.error(error));
    });
    m_setup->start();
}

void StreamRunner::follow(const QString &sessionId, const QString &promptId)
{
    if (m_finished || m_stream)
        return;
    m_stream = new Sluice::PromptStream(m_setup->session(), sessionId, promptId, this);
    m_stream->setMode(m_options.mode);
    Sluice::EventSource *source = m_stream->eventSource();
    applyStreamOptions(source);
    if (!m_options.lastEventId.isEmpty())
        m_stream->setLastEventId(m_options.lastEventId);

    connectSourceSignals(source);
    connect(m_stream, &Sluice::PromptStream::eventReceived, this, &StreamRunner::onEvent);
    connect(m_stream, &Sluice::PromptStream::errorOccurred, this, &StreamRunner::onError);
    connect(m_stream, &Sluice::PromptStream::reconnecting, this, &StreamRunner::onReconnecting);
    connect(m_stream, &Sluice::PromptStream::finished, this, &StreamRunner::onStreamFinished);
    m_stream->start();
}

void StreamRunner::onStreamFinished()
{
    if (m_finished)
        return;
    if (m_stream->state() == Sluice::PromptStream::State::Finished) {
        // After `done`, or a 204: the server has nothing more for this prompt.
        stop(ExitCode::Success,
             m_lastEventType == u"done"
                 ? QStringLiteral("the prompt is done")
                 : QStringLiteral("server closed the stream (no reconnect)"));
        return;
    }
    // Failed ends through onError() first, Stopped only through stop(): not reached.
    stop(ExitCode::InternalError, QStringLiteral("the stream ended unexpectedly"));
}

// --- both forms --------------------------------------------------------------------------------

void StreamRunner::stop(int exitCode, const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timeout.stop();
    if (m_source)
        m_source->close();
    if (m_stream)
        m_stream->stop();
    if (!m_options.quiet || exitCode != ExitCode::Success)
        writeAlways(m_formatter.exit(exitCode, reason));
    // Queued: the caller (often a slot of the stream) unwinds before the event loop is left.
    QMetaObject::invokeMethod(
        this, [this, exitCode] { Q_EMIT finished(exitCode); }, Qt::QueuedConnection);
}

void StreamRunner::onEvent(const Sluice::Event &event)
{
    if (m_finished)
        return;
    writeOut(m_formatter.event(event));
    m_lastEventType = event.type();
    ++m_eventCount;
    if (m_options.maxEvents && m_eventCount >= *m_options.maxEvents)
        stop(ExitCode::Success, QStringLiteral("max events reached"));
}

void StreamRunner::onError(const Sluice::Error &error)
{
    if (m_finished)
        return;
    // Errors are always shown, even with --quiet; the server ending the stream is no error.
    const bool endOfStream = error.kind() == Sluice::Error::Kind::EndOfStream;
    const QByteArray line = m_formatter.error(error);
    if (endOfStream)
        writeStatus(line);
    else
        writeAlways(line);
    if (!error.willRetry())
        stop(exitCodeFor(error), error.message());
    else if (!m_options.reconnect)
        stop(exitCodeFor(error),
             endOfStream ? QStringLiteral("the server ended the stream (--no-reconnect)")
                         : QStringLiteral("not reconnecting (--no-reconnect)"));
}

void StreamRunner::onReconnecting(int attempt, std::chrono::milliseconds delay)
{
    if (m_finished)
        return;
    // Unreachable with --no-reconnect (onError() stopped the run first); kept as a safety net.
    if (!m_options.reconnect) {
        stop(ExitCode::NetworkFailure, QStringLiteral("not reconnecting (--no-reconnect)"));
        return;
    }
    writeStatus(m_formatter.reconnecting(attempt, int(delay.count())));
}

void StreamRunner::writeOut(const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), m_out);
    std::fflush(m_out);
}

void StreamRunner::writeStatus(const QByteArray &bytes)
{
    if (m_options.quiet)
        return;
    writeAlways(bytes);
}

void StreamRunner::writeAlways(const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), m_err);
    std::fflush(m_err);
}

} // namespace SluiceStream
