// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "streamrunner.h"

#include "exitcode.h"
#include "redaction.h"

#include <QtNetwork/QNetworkRequest>

namespace SluiceStream {

StreamRunner::StreamRunner(StreamOptions options, std::FILE *out, std::FILE *err, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_formatter(m_options.json ? EventFormatter::Style::Json : EventFormatter::Style::Text)
    , m_out(out)
    , m_err(err)
    , m_source(new Sluice::EventSource(this))
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this,
            [this] { stop(ExitCode::Timeout, QStringLiteral("timeout")); });
}

StreamRunner::~StreamRunner() = default;

void StreamRunner::addRequestHook(Sluice::EventSource::RequestHook hook)
{
    m_hooks.push_back(std::move(hook));
}

int StreamRunner::exitCodeFor(const Sluice::Error &error)
{
    using Kind = Sluice::Error::Kind;
    switch (error.kind()) {
    case Kind::NoError:
    case Kind::EndOfStream:
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

void StreamRunner::configure()
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
    if (o.readTimeout)
        m_source->setReadTimeout(*o.readTimeout);
    if (o.maxRedirects)
        m_source->setMaxRedirects(*o.maxRedirects);

    Sluice::RetryPolicy policy = m_source->retryPolicy();
    if (o.retryInitial)
        policy.setInitialDelay(*o.retryInitial);
    if (o.retryMax)
        policy.setMaxDelay(*o.retryMax);
    if (o.maxRetries) // N retries after the first failed attempt: N + 1 attempts in all
        policy.setMaxAttempts(*o.maxRetries + 1);
    if (o.retryBudget)
        policy.setMaxElapsed(*o.retryBudget);
    m_source->setRetryPolicy(policy);

    Sluice::SseParser::Limits limits = m_source->parserLimits();
    if (o.maxLineBytes)
        limits.setMaxLineBytes(*o.maxLineBytes);
    if (o.maxEventBytes)
        limits.setMaxEventBytes(*o.maxEventBytes);
    m_source->setParserLimits(limits);

    m_source->setRequestHook(
        [this](QNetworkRequest &request, const Sluice::AttemptContext &context) {
            for (const auto &hook : m_hooks) {
                hook(request, context);
                if (m_source->isAttemptDeferred() || m_finished)
                    return; // the hook waits for something (a token); it runs again on resume
            }
            writeStatus(m_formatter.connecting(context.attempt(), m_options.method,
                                               redactedUrl(request.url())));
            if (m_options.verbose)
                writeStatus(m_formatter.requestHeaders(request.rawHeaderList()));
        });

    connect(m_source, &Sluice::EventSource::opened, this,
            [this] { writeStatus(m_formatter.opened()); });
    connect(m_source, &Sluice::EventSource::comment, this,
            [this](const QString &text) { writeStatus(m_formatter.comment(text)); });
    connect(m_source, &Sluice::EventSource::eventReceived, this, &StreamRunner::onEvent);
    connect(m_source, &Sluice::EventSource::errorOccurred, this, &StreamRunner::onError);
    connect(m_source, &Sluice::EventSource::reconnecting, this, &StreamRunner::onReconnecting);
    connect(m_source, &Sluice::EventSource::closed, this, &StreamRunner::onClosed);
}

void StreamRunner::start()
{
    configure();
    if (m_options.timeout)
        m_timeout.start(*m_options.timeout);
    m_source->open();
}

void StreamRunner::stop(int exitCode, const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timeout.stop();
    m_source->close();
    if (!m_options.quiet || exitCode != ExitCode::Success)
        writeStatus(m_formatter.exit(exitCode, reason));
    // Queued: the caller (often a slot of m_source) unwinds before the event loop is left.
    QMetaObject::invokeMethod(
        this, [this, exitCode] { Q_EMIT finished(exitCode); }, Qt::QueuedConnection);
}

void StreamRunner::onEvent(const Sluice::Event &event)
{
    if (m_finished)
        return;
    writeOut(m_formatter.event(event));
    ++m_eventCount;
    if (m_options.maxEvents && m_eventCount >= *m_options.maxEvents)
        stop(ExitCode::Success, QStringLiteral("max events reached"));
}

void StreamRunner::onError(const Sluice::Error &error)
{
    if (m_finished)
        return;
    // Errors are always shown, even with --quiet.
    const QByteArray line = m_formatter.error(error);
    std::fwrite(line.constData(), 1, size_t(line.size()), m_err);
    std::fflush(m_err);
    if (!error.willRetry())
        stop(exitCodeFor(error), error.message());
    else if (!m_options.reconnect)
        stop(exitCodeFor(error), QStringLiteral("not reconnecting (--no-reconnect)"));
}

void StreamRunner::onReconnecting(int attempt, std::chrono::milliseconds delay)
{
    if (m_finished)
        return;
    if (!m_options.reconnect) {
        stop(ExitCode::NetworkFailure,
             QStringLiteral("stream ended, not reconnecting "
                            "(--no-reconnect)"));
        return;
    }
    writeStatus(m_formatter.reconnecting(attempt, int(delay.count())));
}

void StreamRunner::onClosed()
{
    // Closed without a fatal error first: the server said stop (204).
    stop(ExitCode::Success, QStringLiteral("server closed the stream (no reconnect)"));
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
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), m_err);
    std::fflush(m_err);
}

} // namespace SluiceStream
