// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/promptstream_p.h"

#include "core/error_p.h"
#include "core/logging_p.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QUrlQuery>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkCookie>
#include <QtNetwork/QNetworkCookieJar>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QNetworkRequest>

namespace Sluice {

PromptStreamPrivate::PromptStreamPrivate(PromptStream *q)
    : q_ptr(q)
{ }

void PromptStreamPrivate::setState(PromptStream::State newState)
{
    Q_Q(PromptStream);
    if (state == newState)
        return;
    state = newState;
    Q_EMIT q->stateChanged(newState);
}

void PromptStreamPrivate::setLastEventId(const QString &id)
{
    Q_Q(PromptStream);
    if (lastEventId == id)
        return;
    lastEventId = id;
    Q_EMIT q->lastEventIdChanged(id);
}

Error PromptStreamPrivate::asAttemptFailure(const Error &error)
{
    // Only a new sign-in, or a prompt that is not there, makes further attempts pointless.
    const bool fatal = error.requiresSignIn() || error.kind() == Error::Kind::NotFound
        || error.kind() == Error::Kind::Forbidden || error.kind() == Error::Kind::Canceled;
    return ErrorBuilder(error).willRetry(!fatal);
}

void PromptStreamPrivate::prepareRequest(QNetworkRequest &request, const AttemptContext &context)
{
    if (!session) {
        source->deferAttempt().fail(Error(Error::Kind::NotSignedIn, QStringLiteral("No session")));
        return;
    }
    if (context.isRedirect()) {
        // Redirect hops of the same origin keep the credential; nothing goes to another origin.
        if (context.isCrossOrigin())
            return;
        if (mode == PromptStream::Mode::Header)
            session->authorize(request);
        else if (mode == PromptStream::Mode::Cookie)
            attachCookies(request);
        return;
    }
    switch (mode) {
    case PromptStream::Mode::Header:
        if (const quint64 generation = session->authorize(request)) {
            attemptGeneration = generation;
            return;
        }
        deferUntilTokenReady();
        return;
    case PromptStream::Mode::Cookie:
        // The cookie jar holds the access cookie of the current token (login and refresh set it).
        if (session->hasValidAccessToken()) {
            attemptGeneration = session->accessTokenGeneration();
            attachCookies(request);
            return;
        }
        deferUntilTokenReady();
        return;
    case PromptStream::Mode::StreamToken:
        if (!mintedToken.isEmpty()) {
            QUrl url = request.url();
            QUrlQuery query(url);
            query.removeAllQueryItems(QStringLiteral("stream_token"));
            query.addQueryItem(QStringLiteral("stream_token"), QString::fromLatin1(mintedToken));
            url.setQuery(query);
            request.setUrl(url);
            mintedToken.fill('\0');
            mintedToken.clear(); // one token per attempt: the next one mints a new one
            return;
        }
        deferUntilStreamToken();
        return;
    }
}

void PromptStreamPrivate::attachCookies(QNetworkRequest &request)
{
    // The stream has its own network manager (Qt 6.4 runs at most six HTTP/1 connections per
    // host and manager: streams must not queue behind each other), so the session's cookies
    // are copied in at every attempt.
    QNetworkAccessManager *nam = session->networkAccessManager();
    QNetworkCookieJar *jar = nam ? nam->cookieJar() : nullptr;
    const QList<QNetworkCookie> cookies
        = jar ? jar->cookiesForUrl(request.url()) : QList<QNetworkCookie>();
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    if (!cookies.isEmpty())
        request.setHeader(QNetworkRequest::CookieHeader, QVariant::fromValue(cookies));
}

void PromptStreamPrivate::deferUntilTokenReady()
{
    Q_Q(PromptStream);
    const AttemptDeferral deferral = source->deferAttempt();
    session->whenAccessTokenReady(q, [deferral](const Error &error) {
        if (error.isError())
            deferral.fail(asAttemptFailure(error));
        else
            deferral.resume();
    });
}

void PromptStreamPrivate::deferUntilStreamToken()
{
    Q_Q(PromptStream);
    const AttemptDeferral deferral = source->deferAttempt();
    if (minting)
        minting->abort();
    minting = api->createStreamToken(sessionId, promptId);
    QObject::connect(minting, &Job::finished, q, [this, deferral](Job *job) {
        auto *reply = static_cast<ApiReply *>(job);
        if (reply->error().isError()) {
            qCInfo(lcPromptStream).noquote() << "no stream token:" << reply->error().message();
            deferral.fail(asAttemptFailure(reply->error()));
            return;
        }
        mintedToken = reply->streamToken();
        if (mintedToken.isEmpty()) {
            deferral.fail(Error(Error::Kind::ProtocolError,
                                QStringLiteral("The server's stream token answer is empty"), 0,
                                true));
            return;
        }
        deferral.resume();
    });
}

void PromptStreamPrivate::onEvent(const Event &event)
{
    Q_Q(PromptStream);
    const QString type = event.type();
    if (type != u"connected") {
        bool numeric = false;
        const qint64 id = event.lastEventId().toLongLong(&numeric);
        if (numeric) {
            if (id <= lastSequence) {
                ++duplicates;
                qCWarning(lcPromptStream) << "dropped event" << id << "(already delivered)";
                return;
            }
            lastSequence = id;
        }
        setLastEventId(event.lastEventId());
    }
    const QPointer<PromptStream> alive(q);
    Q_EMIT q->eventReceived(event);
    if (!alive || ending)
        return;
    dispatchTyped(event);
    if (alive && type == u"done" && !ending)
        endForGood(PromptStream::State::Finished);
}

void PromptStreamPrivate::dispatchTyped(const Event &event)
{
    Q_Q(PromptStream);
    const QString type = event.type();
    const QJsonObject data = QJsonDocument::fromJson(event.data().toUtf8()).object();
    if (type == u"message") {
        QString text = data.value(QLatin1String("delta")).toString();
        if (text.isEmpty())
            text = data.value(QLatin1String("text")).toString();
        Q_EMIT q->message(text, data, event);
    } else if (type == u"tool_use") {
        Q_EMIT q->toolUse(data.value(QLatin1String("id")).toString(),
                          data.value(QLatin1String("name")).toString(),
                          data.value(QLatin1String("input")).toObject(), event);
    } else if (type == u"tool_result") {
        Q_EMIT q->toolResult(data.value(QLatin1String("tool_use_id")).toString(),
                             data.value(QLatin1String("content")),
                             data.value(QLatin1String("is_error")).toBool(), event);
    } else if (type == u"status") {
        Q_EMIT q->status(data, event);
    } else if (type == u"error") {
        Q_EMIT q->errorEvent(data, event);
    } else if (type == u"done") {
        Q_EMIT q->done(data, event);
    } else if (type == u"connected") {
        Q_EMIT q->connected(data);
    }
}

void PromptStreamPrivate::onError(const Error &error)
{
    Q_Q(PromptStream);
    if (ending)
        return;
    if (error.httpStatus() == 401 && session
        && (mode == PromptStream::Mode::Header || mode == PromptStream::Mode::Cookie)) {
        // The access token was refused before its time (revoked, server restarted with other
        // keys): the next attempt waits for the shared refresh.
        session->rejectAccessToken(attemptGeneration);
    }
    if (!error.willRetry())
        fatalError = true;
    Q_EMIT q->errorOccurred(error);
}

void PromptStreamPrivate::onReadyState(EventSource::ReadyState readyState)
{
    if (ending)
        return;
    switch (readyState) {
    case EventSource::ReadyState::Connecting:
        setState(everOpened ? PromptStream::State::Reconnecting : PromptStream::State::Connecting);
        break;
    case EventSource::ReadyState::Open:
        everOpened = true;
        setState(PromptStream::State::Live);
        break;
    case EventSource::ReadyState::Suspended:
        setState(PromptStream::State::Suspended);
        break;
    case EventSource::ReadyState::Closed:
        break; // onClosed()
    }
}

void PromptStreamPrivate::onClosed()
{
    Q_Q(PromptStream);
    if (minting)
        minting->abort();
    mintedToken.clear();
    PromptStream::State finalState = endState;
    if (!ending) // 204 (nothing more to read) or a fatal error
        finalState = fatalError ? PromptStream::State::Failed : PromptStream::State::Finished;
    ending = false;
    setState(finalState);
    Q_EMIT q->finished();
}

void PromptStreamPrivate::endForGood(PromptStream::State finalState)
{
    ending = true;
    endState = finalState;
    if (source->readyState() == EventSource::ReadyState::Closed) {
        onClosed();
        return;
    }
    source->close(); // emits closed() -> onClosed()
}

// --- PromptStream ------------------------------------------------------------------------------

PromptStream::PromptStream(AuthSession *session, const QString &sessionId, const QString &promptId,
                           QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<PromptStreamPrivate>(this))
{
    Q_D(PromptStream);
    d->session = session;
    d->sessionId = sessionId;
    d->promptId = promptId;
    d->source = new EventSource(this);
    d->api = new ApiClient(session, this);
    d->source->setAuthFailurePolicy(EventSource::AuthFailurePolicy::Retry);
    d->source->setRequestHook([d](QNetworkRequest &request, const AttemptContext &context) {
        d->prepareRequest(request, context);
    });
    connect(d->source, &EventSource::eventReceived, this,
            [d](const Event &event) { d->onEvent(event); });
    connect(d->source, &EventSource::errorOccurred, this,
            [d](const Error &error) { d->onError(error); });
    connect(d->source, &EventSource::readyStateChanged, this,
            [d](EventSource::ReadyState state) { d->onReadyState(state); });
    connect(d->source, &EventSource::reconnecting, this, &PromptStream::reconnecting);
    connect(d->source, &EventSource::closed, this, [d] { d->onClosed(); });
}

PromptStream::~PromptStream()
{
    Q_D(PromptStream);
    d->ending = true;
    d->source->disconnect(this);
    d->source->close();
}

AuthSession *PromptStream::session() const
{
    Q_D(const PromptStream);
    return d->session;
}

QString PromptStream::sessionId() const
{
    Q_D(const PromptStream);
    return d->sessionId;
}

QString PromptStream::promptId() const
{
    Q_D(const PromptStream);
    return d->promptId;
}

PromptStream::Mode PromptStream::mode() const
{
    Q_D(const PromptStream);
    return d->mode;
}

void PromptStream::setMode(Mode mode)
{
    Q_D(PromptStream);
    if (d->mode == mode)
        return;
    d->mode = mode;
    d->mintedToken.clear();
    Q_EMIT modeChanged(mode);
}

PromptStream::State PromptStream::state() const
{
    Q_D(const PromptStream);
    return d->state;
}

QString PromptStream::lastEventId() const
{
    Q_D(const PromptStream);
    return d->lastEventId;
}

void PromptStream::setLastEventId(const QString &id)
{
    Q_D(PromptStream);
    bool numeric = false;
    const qint64 sequence = id.toLongLong(&numeric);
    d->lastSequence = numeric ? sequence : 0;
    d->setLastEventId(id);
    d->source->setLastEventId(id);
}

qint64 PromptStream::duplicatesDropped() const
{
    Q_D(const PromptStream);
    return d->duplicates;
}

EventSource *PromptStream::eventSource() const
{
    Q_D(const PromptStream);
    return d->source;
}

void PromptStream::start()
{
    Q_D(PromptStream);
    if (d->state == State::Connecting || d->state == State::Live || d->state == State::Reconnecting)
        return;
    if (d->state == State::Suspended) {
        resume();
        return;
    }
    if (!d->session) {
        qCWarning(lcPromptStream) << "start() without a session";
        return;
    }
    d->ending = false;
    d->fatalError = false;
    d->everOpened = false;
    d->source->setUrl(d->api->streamUrl(d->sessionId, d->promptId));
    // Its own manager (see attachCookies()), going through the session's proxy.
    if (QNetworkAccessManager *nam = d->session->networkAccessManager())
        d->source->networkAccessManager()->setProxy(nam->proxy());
    d->source->setLastEventId(d->lastEventId);
    d->setState(State::Connecting);
    d->source->open();
}

void PromptStream::stop()
{
    Q_D(PromptStream);
    if (d->state == State::Idle || d->state == State::Finished || d->state == State::Failed
        || d->state == State::Stopped)
        return;
    d->endForGood(State::Stopped);
}

void PromptStream::suspend()
{
    Q_D(PromptStream);
    if (d->minting)
        d->minting->abort();
    d->source->suspend();
}

void PromptStream::resume()
{
    Q_D(PromptStream);
    d->source->resume();
}

} // namespace Sluice
