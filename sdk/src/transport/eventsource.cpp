// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "transport/eventsource_p.h"

#include "common/redaction.h"
#include "core/error_p.h"
#include "core/event_p.h"
#include "core/logging_p.h"
#include "core/response_p.h"
#include "transport/attemptcontext_p.h"
#include "transport/oneshotbody_p.h"

#include <QtCore/QMetaEnum>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

#include <algorithm>
#include <limits>

namespace Sluice {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// Retry-After is honoured up to max(maxDelay, this).
constexpr milliseconds RetryAfterCap = 10min;
// How long the body of a rejected response may take to end before it is given up.
constexpr milliseconds RejectedResponseGrace = 5s;
constexpr qint64 MinReadBufferSize = 4096;

int toTimerInterval(milliseconds ms)
{
    return int(std::clamp<qint64>(ms.count(), 0, std::numeric_limits<int>::max()));
}

bool isSafeHeaderValue(const QByteArray &value)
{
    return !value.contains('\r') && !value.contains('\n') && !value.contains('\0');
}

bool isCredentialHeader(const QByteArray &name)
{
    return name.compare("Authorization", Qt::CaseInsensitive) == 0
        || name.compare("Cookie", Qt::CaseInsensitive) == 0
        || name.compare("Proxy-Authorization", Qt::CaseInsensitive) == 0;
}

// "HTTP 404 Not Found", and the server's own explanation when its body is a JSON error.
QString statusText(const Response &response)
{
    const QString status = QStringLiteral("HTTP %1 %2")
                               .arg(response.status())
                               .arg(response.reasonPhrase())
                               .trimmed();
    const QString serverMessage = response.serverErrorMessage().trimmed().left(200);
    return serverMessage.isEmpty() ? status : status + QStringLiteral(": ") + serverMessage;
}

} // namespace

// --- EventSourcePrivate ------------------------------------------------------------------------

EventSourcePrivate::EventSourcePrivate(EventSource *q)
    : q_ptr(q)
{
    retryTimer = new QTimer(q);
    retryTimer->setSingleShot(true);
    readTimer = new QTimer(q);
    readTimer->setSingleShot(true);
    bodyTimer = new QTimer(q);
    bodyTimer->setSingleShot(true);
    QObject::connect(retryTimer, &QTimer::timeout, q, [this] { startAttempt(); });
    QObject::connect(readTimer, &QTimer::timeout, q, [this] { onReadTimeout(); });
    QObject::connect(bodyTimer, &QTimer::timeout, q, [this] {
        if (rejection) {
            rejection->truncated = true;
            completeRejection();
        }
    });

    parser.setEventHandler([this](const Event &event) {
        Q_Q(EventSource);
        if (!accepted || readyState != EventSource::ReadyState::Open)
            return;
        const quint64 gen = generation;
        setLastEventIdInternal(EventBuilder::data(event).lastEventId);
        if (gen != generation)
            return;
        Q_EMIT q->eventReceived(event); // the parser stamps the origin (setOrigin)
    });
    parser.setCommentHandler([this](QStringView text) {
        Q_Q(EventSource);
        if (accepted && readyState == EventSource::ReadyState::Open)
            Q_EMIT q->comment(text.toString());
    });
    parser.setRetryHandler([this](qint64 ms) {
        if (accepted)
            serverRetry = milliseconds(ms);
    });
}

EventSourcePrivate::~EventSourcePrivate() = default;

QNetworkAccessManager *EventSourcePrivate::manager()
{
    Q_Q(EventSource);
    if (externalManager)
        return externalManager;
    if (!ownManager)
        ownManager = new QNetworkAccessManager(q);
    return ownManager;
}

void EventSourcePrivate::setReadyState(EventSource::ReadyState state)
{
    Q_Q(EventSource);
    if (readyState == state)
        return;
    readyState = state;
    Q_EMIT q->readyStateChanged(state);
}

void EventSourcePrivate::setLastEventIdInternal(const QString &id)
{
    Q_Q(EventSource);
    if (lastEventId.isSharedWith(id) || lastEventId == id)
        return;
    lastEventId = id;
    Q_EMIT q->lastEventIdChanged(id);
}

void EventSourcePrivate::startAttempt()
{
    requestUrl = url;
    requestMethod = method.isEmpty() ? QByteArrayLiteral("GET") : method;
    requestHasBody = !body.isEmpty();
    crossOriginRedirect = false;
    redirects = 0;
    sendRequest();
}

void EventSourcePrivate::sendRequest()
{
    Q_Q(EventSource);
    const QString scheme = requestUrl.scheme().toLower();
    if (!requestUrl.isValid() || (scheme != u"http" && scheme != u"https")) {
        failFatal(Error(Error::Kind::Network,
                        QStringLiteral("Invalid stream URL (http or https required): %1")
                            .arg(Common::redactedUrl(requestUrl))));
        return;
    }

    QNetworkRequest request(requestUrl);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    // HTTP/1.1 keeps one stream per connection and delivers readyRead as bytes arrive.
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(0);
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    if (requestHasBody && !bodyContentType.isEmpty())
        request.setRawHeader("Content-Type", bodyContentType);
    for (const auto &[name, value] : std::as_const(rawHeaders))
        request.setRawHeader(name, value);
    if (!lastEventId.isEmpty()) {
        const QByteArray id = lastEventId.toUtf8();
        if (isSafeHeaderValue(id))
            request.setRawHeader("Last-Event-ID", id);
        else
            qCWarning(lcEventSource) << "last event ID contains a line break or NUL; not sent";
    }

    const AttemptContext context = AttemptContextBuilder::make(
        attempt(), redirects, crossOriginRedirect, requestUrl, attemptCause);
    if (hook) {
        const quint64 gen = generation;
        inHook = true;
        deferRequested = false;
        failRequested.reset();
        hook(request, context);
        inHook = false;
        if (gen != generation || readyState != EventSource::ReadyState::Connecting) {
            deferralSerial = 0;
            return; // the hook closed, suspended or restarted the source
        }
        if (failRequested) {
            const Error error = *failRequested;
            failRequested.reset();
            deferralSerial = 0;
            failAttempt(error);
            return;
        }
        if (deferRequested) {
            qCDebug(lcEventSource) << "attempt" << attempt() << "deferred by the request hook";
            return; // AttemptDeferral::resume() runs sendRequest() again
        }
        deferralSerial = 0;
    }
    if (crossOriginRedirect) {
        // Credentials never follow a redirect to another origin, whoever added them.
        for (const QByteArray &name : request.rawHeaderList()) {
            if (isCredentialHeader(name))
                request.setRawHeader(name, QByteArray());
        }
    }

    qCDebug(lcEventSource).noquote()
        << "attempt" << attempt() << requestMethod << Common::redactedUrl(request.url());
    {
        const quint64 gen = generation;
        Q_EMIT q->requestSent(requestMethod, request, context);
        if (gen != generation || readyState != EventSource::ReadyState::Connecting)
            return; // a slot closed, suspended or restarted the source
    }
    // One logical attempt is one request on the wire: the body goes through a device Qt cannot
    // rewind, so its HTTP stack cannot re-send the request by itself (oneshotbody_p.h).
    const QByteArray payload = requestHasBody ? body : QByteArray();
    request.setHeader(QNetworkRequest::ContentLengthHeader, qint64(payload.size()));
    request.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
    auto *upload = new OneShotBody(payload);
    QNetworkReply *r = manager()->sendCustomRequest(request, requestMethod, upload);
    upload->setParent(r);
    // Backpressure: Qt's HTTP thread stops reading the socket once this much is buffered. With
    // an upload device the request starts from a queued call, and a size set before that is
    // lost, so it is set from the next queued call (before the connection is even up).
    QMetaObject::invokeMethod(
        r, [r, size = readBufferSize] { r->setReadBufferSize(size); }, Qt::QueuedConnection);
    reply = r;
    headHandled = false;
    accepted = false;
    encrypted = false;
    rejection.reset();

    // The serial ignores signals of a reply that has been abandoned since.
    const quint64 serial = ++replySerial;
    QObject::connect(r, &QNetworkReply::metaDataChanged, q, [this, serial] {
        if (serial != replySerial || !reply)
            return;
        if (!headHandled)
            handleHead();
        else
            onRepeatedHead();
    });
    QObject::connect(r, &QNetworkReply::readyRead, q, [this, serial] {
        if (serial == replySerial && reply)
            onReadyRead();
    });
    QObject::connect(r, &QNetworkReply::encrypted, q, [this, serial] {
        if (serial == replySerial)
            encrypted = true;
    });
    QObject::connect(r, &QNetworkReply::finished, q, [this, serial] {
        if (serial == replySerial && reply)
            onFinished();
    });
    restartReadTimer();
}

void EventSourcePrivate::cancelDeferral()
{
    deferralSerial = 0;
    deferRequested = false;
}

void EventSourcePrivate::resumeDeferred(quint64 serial)
{
    if (serial == 0 || serial != deferralSerial)
        return;
    if (inHook) { // resume() from inside the hook: nothing to wait for after all
        deferRequested = false;
        return;
    }
    deferralSerial = 0;
    if (readyState == EventSource::ReadyState::Connecting)
        sendRequest();
}

void EventSourcePrivate::failDeferred(quint64 serial, const Error &error)
{
    if (serial == 0 || serial != deferralSerial)
        return;
    if (inHook) {
        failRequested = error;
        return;
    }
    deferralSerial = 0;
    if (readyState == EventSource::ReadyState::Connecting)
        failAttempt(error);
}

void EventSourcePrivate::failAttempt(const Error &error)
{
    if (error.willRetry())
        failRetryable(error);
    else
        failFatal(error);
}

void EventSourcePrivate::abandonReply()
{
    Q_Q(EventSource);
    ++generation;
    ++replySerial;
    readTimer->stop();
    bodyTimer->stop();
    cancelDeferral();
    const bool rejected = headHandled && !accepted;
    headHandled = false;
    accepted = false;
    rejection.reset();
    QNetworkReply *r = reply.data();
    if (!r)
        return;
    reply = nullptr;
    r->disconnect(q);
    if (r->isFinished()) {
        r->deleteLater();
        return;
    }
    // A rejected response is one the server is ending anyway: let it end, discarding its body,
    // instead of aborting it (aborting a reply that Qt has already marked with an HTTP error
    // makes Qt warn). A body that does not end within the grace period is aborted.
    if (rejected) {
        QObject::connect(r, &QNetworkReply::readyRead, r, [r] { r->readAll(); });
        QObject::connect(r, &QNetworkReply::finished, r, &QObject::deleteLater);
        QTimer::singleShot(RejectedResponseGrace, r, [r] { r->abort(); });
        return;
    }
    r->abort();
    r->deleteLater();
}

void EventSourcePrivate::restartReadTimer()
{
    if (readTimeout > 0ms)
        readTimer->start(toTimerInterval(readTimeout));
}

void EventSourcePrivate::onRepeatedHead()
{
    // Qt 6.4's HTTP/1 channel re-sends a request by itself when the connection closes while it
    // is still reading (see docs/ARCHITECTURE.md); the reply then carries a second response.
    // Its events would be duplicates: drop it and reconnect properly instead.
    qCInfo(lcEventSource) << "a second response head on the same reply; reconnecting";
    if (accepted)
        parser.finish();
    failRetryable(Error(Error::Kind::Network,
                        QStringLiteral("The connection was reset by the HTTP stack"), 0, true));
}

void EventSourcePrivate::onReadyRead()
{
    restartReadTimer();
    if (!headHandled && !handleHead())
        return;
    if (rejection) {
        readRejectedBody(false);
        return;
    }
    if (accepted && reply)
        drainReply();
}

bool EventSourcePrivate::drainReply()
{
    // Reading in bounded pieces keeps memory flat; the reply refills from the network as its
    // buffer empties.
    QByteArray chunk;
    while (reply && reply->bytesAvailable() > 0) {
        chunk = reply->read(std::min<qint64>(reply->bytesAvailable(), readBufferSize));
        if (chunk.isEmpty())
            break;
        if (!feed(chunk))
            return false;
    }
    return reply != nullptr;
}

bool EventSourcePrivate::feed(QByteArrayView bytes)
{
    const quint64 gen = generation;
    const SseParser::Status status = parser.feed(bytes);
    if (gen != generation)
        return false; // a slot closed, reconnected or re-opened the source
    setLastEventIdInternal(parser.lastEventId());
    if (gen != generation)
        return false;
    if (status != SseParser::Status::Ok) {
        failFatal(Error(Error::Kind::ParseLimit, parser.errorString(), 200));
        return false;
    }
    return true;
}

void EventSourcePrivate::onFinished()
{
    readTimer->stop();
    QNetworkReply *r = reply.data();
    if (!headHandled) {
        if (r->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid()) {
            if (!handleHead() && !rejection)
                return;
        } else {
            failRetryable(Error(networkErrorKind(), describeNetworkError(), 0, true));
            return;
        }
    }
    if (rejection) {
        readRejectedBody(true);
        return;
    }
    if (!accepted || reply != r)
        return;
    if (!drainReply())
        return;
    const bool cutMidEvent = parser.hasIncompleteEvent();
    parser.finish(); // an incomplete event is discarded
    // ContentReSendError after the response head: Qt wanted to re-send the request after the
    // server closed a complete response, and the one-shot body refused (oneshotbody_p.h).
    const bool endedByServer
        = r->error() == QNetworkReply::NoError || r->error() == QNetworkReply::ContentReSendError;
    if (endedByServer && !cutMidEvent) {
        failRetryable(Error(Error::Kind::EndOfStream, QStringLiteral("The server ended the stream"),
                            200, true));
        return;
    }
    const QString message = endedByServer
        ? QStringLiteral("The connection closed in the middle of an event")
        : describeNetworkError();
    failRetryable(Error(networkErrorKind(), message, 200, true));
}

void EventSourcePrivate::onReadTimeout()
{
    if (!reply)
        return;
    const int status = accepted ? 200 : 0;
    if (accepted)
        parser.finish();
    failRetryable(Error(Error::Kind::Timeout,
                        QStringLiteral("No data received for %1 ms").arg(readTimeout.count()),
                        status, true));
}

bool EventSourcePrivate::handleHead()
{
    Q_Q(EventSource);
    QNetworkReply *r = reply.data();
    const QVariant statusAttribute = r->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttribute.isValid())
        return false; // no response head yet
    headHandled = true;
    const Response response = ResponseBuilder::fromReply(*r);
    const int status = response.status();
    const HttpPolicy::StatusAction action = HttpPolicy::actionForStatus(status);
    const quint64 gen = generation;

    switch (action) {
    case HttpPolicy::StatusAction::Open: {
        Q_EMIT q->responseReceived(response);
        if (gen != generation)
            return false;
        const QByteArray contentType = response.header("Content-Type");
        if (!HttpPolicy::isEventStream(contentType)) {
            failFatal(ErrorBuilder(Error::Kind::ContentType,
                                   QStringLiteral("Expected text/event-stream, got \"%1\"")
                                       .arg(QString::fromLatin1(contentType.left(100))))
                          .response(response));
            return false;
        }
        accepted = true;
        authFailures = 0;
        framedEnd = response.header("Transfer-Encoding").toLower().contains("chunked")
            || response.hasHeader("Content-Length");
        attemptCause = Error();
        restartReadTimer();
        origin = HttpPolicy::serializeOrigin(r->url());
        parser.setOrigin(origin);
        parser.reset();
        parser.setLastEventId(lastEventId);
        openedAt.start();
        setReadyState(EventSource::ReadyState::Open);
        if (gen != generation)
            return false;
        qCDebug(lcEventSource).noquote() << "open" << Common::redactedUrl(r->url());
        Q_EMIT q->opened(response);
        return gen == generation;
    }
    case HttpPolicy::StatusAction::Redirect:
        Q_EMIT q->responseReceived(response);
        if (gen == generation)
            followRedirect(status, response);
        return false;
    case HttpPolicy::StatusAction::CloseForGood:
    case HttpPolicy::StatusAction::Retry:
    case HttpPolicy::StatusAction::AuthFailure:
    case HttpPolicy::StatusAction::Fail:
        // The body (the server's JSON error) is read before anything is decided.
        rejection = Rejection { action, response, {}, false };
        bodyTimer->start(toTimerInterval(RejectedResponseGrace));
        readRejectedBody(r->isFinished());
        return false;
    }
    return false;
}

void EventSourcePrivate::readRejectedBody(bool finished)
{
    if (!rejection || !reply)
        return;
    const qint64 room = Response::MaxBodyBytes + 1 - rejection->body.size();
    if (room > 0)
        rejection->body += reply->read(room);
    if (rejection->body.size() > Response::MaxBodyBytes) {
        rejection->truncated = true;
        completeRejection();
        return;
    }
    if (finished || reply->isFinished())
        completeRejection();
}

void EventSourcePrivate::completeRejection()
{
    Q_Q(EventSource);
    if (!rejection)
        return;
    bodyTimer->stop();
    const Rejection done = std::move(*rejection);
    rejection.reset();
    const Response response = ResponseBuilder::withBody(done.response, done.body, done.truncated);
    const quint64 gen = generation;
    Q_EMIT q->responseReceived(response);
    if (gen != generation)
        return;

    switch (done.action) {
    case HttpPolicy::StatusAction::CloseForGood:
        closeForGood();
        return;
    case HttpPolicy::StatusAction::Retry: {
        ErrorBuilder error(Error::Kind::HttpStatus, statusText(response));
        error.response(response).willRetry(true);
        const auto retryAfter = HttpPolicy::parseRetryAfter(response.header("Retry-After"),
                                                            QDateTime::currentDateTimeUtc());
        if (retryAfter) {
            const milliseconds cap = std::max(retryPolicy.maxDelay(), RetryAfterCap);
            error.retryAfter(std::min(*retryAfter, cap));
        }
        failRetryable(error);
        return;
    }
    case HttpPolicy::StatusAction::AuthFailure:
        failAuth(ErrorBuilder(Error::Kind::HttpStatus, statusText(response)).response(response));
        return;
    case HttpPolicy::StatusAction::Fail:
    case HttpPolicy::StatusAction::Open:
    case HttpPolicy::StatusAction::Redirect:
        failFatal(ErrorBuilder(Error::Kind::HttpStatus, statusText(response)).response(response));
        return;
    }
}

void EventSourcePrivate::followRedirect(int status, const Response &response)
{
    const QByteArray location = response.header("Location");
    if (location.isEmpty()) {
        failFatal(ErrorBuilder(Error::Kind::HttpStatus,
                               QStringLiteral("HTTP %1 without a Location header").arg(status))
                      .response(response));
        return;
    }
    const QUrl target = response.url().resolved(QUrl::fromEncoded(location));
    const QString scheme = target.scheme().toLower();
    if (!target.isValid() || (scheme != u"http" && scheme != u"https")) {
        failFatal(ErrorBuilder(Error::Kind::HttpStatus,
                               QStringLiteral("HTTP %1 to an unsupported location").arg(status))
                      .response(response));
        return;
    }
    if (redirects >= maxRedirects) {
        failFatal(ErrorBuilder(Error::Kind::TooManyRedirects,
                               QStringLiteral("More than %1 redirects").arg(maxRedirects))
                      .response(response));
        return;
    }
    ++redirects;
    bool keepsBody = true;
    requestMethod = HttpPolicy::methodAfterRedirect(status, requestMethod, &keepsBody);
    requestHasBody = requestHasBody && keepsBody;
    if (!HttpPolicy::sameOrigin(url, target))
        crossOriginRedirect = true;
    qCDebug(lcEventSource).noquote() << "redirect" << status << "to" << Common::redactedUrl(target);
    abandonReply();
    requestUrl = target;
    sendRequest();
}

void EventSourcePrivate::failAuth(const Error &error)
{
    if (authFailurePolicy == EventSource::AuthFailurePolicy::Close) {
        failFatal(error);
        return;
    }
    ++authFailures;
    if (authFailures >= retryPolicy.maxAuthFailures()) {
        failFatal(ErrorBuilder(error)
                      .message(QStringLiteral("Gave up after %1 authentication failure(s): %2")
                                   .arg(authFailures)
                                   .arg(error.message()))
                      .willRetry(false));
        return;
    }
    failRetryable(ErrorBuilder(error).willRetry(true));
}

void EventSourcePrivate::failRetryable(Error error)
{
    Q_Q(EventSource);
    const bool wasOpen = accepted;
    abandonReply();
    retryTimer->stop();

    // A connection that stayed up long enough resets the backoff; so does a deliberate end by
    // the server (EndOfStream of a chunked or sized body: e.g. at the expiry of the token that
    // opened it), after which the spec reconnects after the plain reconnection time. A stream
    // that keeps dropping (Network), or a close-delimited one (where a crash after an event
    // looks exactly like an end), backs off further.
    const bool stable
        = openedAt.isValid() && openedAt.elapsed() >= retryPolicy.resetAfter().count();
    const bool deliberateEnd = error.kind() == Error::Kind::EndOfStream && framedEnd;
    if (wasOpen && (stable || deliberateEnd)) {
        failures = 0;
        failingSince.invalidate();
    }
    if (!failingSince.isValid())
        failingSince.start();
    ++failures;

    const double random = QRandomGenerator::global()->generateDouble();
    milliseconds delay
        = retryPolicy.delayFor(failures, random, serverRetry.value_or(retryPolicy.initialDelay()));
    // The first 401/403 in a row is retried at once: the owner has fresh credentials ready
    // (or defers the attempt until it has); repeated ones back off like any failure.
    if (error.isAuthError() && authFailures == 1)
        delay = 0ms;
    if (const auto retryAfter = error.retryAfter())
        delay = std::max(delay, *retryAfter);
    delay = milliseconds(toTimerInterval(delay));

    const auto maxAttempts = retryPolicy.maxAttempts();
    const auto maxElapsed = retryPolicy.maxElapsed();
    const bool attemptsSpent = maxAttempts && failures >= *maxAttempts;
    const bool timeSpent = maxElapsed && milliseconds(failingSince.elapsed()) + delay > *maxElapsed;
    if (attemptsSpent || timeSpent) {
        failFatal(ErrorBuilder(Error::Kind::RetriesExhausted,
                               QStringLiteral("Gave up after %1 attempt(s): %2")
                                   .arg(failures)
                                   .arg(error.message()))
                      .response(error.response())
                      .httpStatus(error.httpStatus())
                      .retryAfter(error.retryAfter())
                      .serverCode(error.serverCode()));
        return;
    }

    qCInfo(lcEventSource).noquote()
        << error.message() << "- reconnecting in" << delay.count() << "ms";
    attemptCause = error;
    const quint64 gen = generation;
    setReadyState(EventSource::ReadyState::Connecting);
    if (gen != generation)
        return;
    Q_EMIT q->errorOccurred(error);
    if (gen != generation || readyState != EventSource::ReadyState::Connecting)
        return;
    retryTimer->start(int(delay.count()));
    Q_EMIT q->reconnecting(attempt(), delay);
}

void EventSourcePrivate::failFatal(const Error &error)
{
    Q_Q(EventSource);
    abandonReply();
    retryTimer->stop();
    parser.reset();
    qCInfo(lcEventSource).noquote() << error.message() << "- closed";
    closedPending = true;
    setReadyState(EventSource::ReadyState::Closed);
    Q_EMIT q->errorOccurred(error);
    if (closedPending) {
        closedPending = false;
        Q_EMIT q->closed();
    }
}

void EventSourcePrivate::closeForGood()
{
    Q_Q(EventSource);
    abandonReply();
    retryTimer->stop();
    parser.reset();
    qCInfo(lcEventSource) << "HTTP 204: the server asked not to reconnect";
    setReadyState(EventSource::ReadyState::Closed);
    Q_EMIT q->closed();
}

Error::Kind EventSourcePrivate::networkErrorKind() const
{
    if (!reply)
        return Error::Kind::Network;
    switch (reply->error()) {
    case QNetworkReply::SslHandshakeFailedError:
        return Error::Kind::Tls;
    case QNetworkReply::RemoteHostClosedError:
        // Closed before the handshake completed: e.g. https:// to a plain-HTTP port.
        return reply->url().scheme() == u"https" && !encrypted ? Error::Kind::Tls
                                                               : Error::Kind::Network;
    case QNetworkReply::TimeoutError:
        return Error::Kind::Timeout;
    default:
        return Error::Kind::Network;
    }
}

QString EventSourcePrivate::describeNetworkError() const
{
    const QNetworkReply::NetworkError code
        = reply ? reply->error() : QNetworkReply::UnknownNetworkError;
    QString text = reply ? reply->errorString() : QString();
    // Qt's messages may quote the URL; stream tokens live in queries, so strip them.
    for (const QUrl &u : { requestUrl, url }) {
        for (const QString &form :
             { u.toString(), u.toString(QUrl::FullyEncoded), u.toDisplayString() }) {
            if (!form.isEmpty())
                text.replace(form, Common::redactedUrl(u));
        }
    }
    const char *key = QMetaEnum::fromType<QNetworkReply::NetworkError>().valueToKey(code);
    return QStringLiteral("%1 (%2)").arg(text, QLatin1String(key ? key : "UnknownNetworkError"));
}

// --- AttemptDeferral ---------------------------------------------------------------------------

AttemptDeferral::AttemptDeferral() = default;

AttemptDeferral::AttemptDeferral(EventSource *source, quint64 serial)
    : m_source(source)
    , m_serial(serial)
{ }

bool AttemptDeferral::isPending() const
{
    return m_source && m_serial != 0 && m_source->d_ptr->deferralSerial == m_serial;
}

void AttemptDeferral::resume() const
{
    if (m_source)
        m_source->d_ptr->resumeDeferred(m_serial);
}

void AttemptDeferral::fail(const Error &error) const
{
    if (m_source)
        m_source->d_ptr->failDeferred(m_serial, error);
}

// --- EventSource -------------------------------------------------------------------------------

EventSource::EventSource(QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<EventSourcePrivate>(this))
{ }

EventSource::EventSource(const QUrl &url, QObject *parent)
    : EventSource(parent)
{
    d_ptr->url = url;
}

EventSource::~EventSource()
{
    Q_D(EventSource);
    d->abandonReply();
    d->retryTimer->stop();
    delete d->ownManager.data();
}

QUrl EventSource::url() const
{
    Q_D(const EventSource);
    return d->url;
}

void EventSource::setUrl(const QUrl &url)
{
    Q_D(EventSource);
    if (d->url == url)
        return;
    d->url = url;
    Q_EMIT urlChanged(url);
}

QByteArray EventSource::method() const
{
    Q_D(const EventSource);
    return d->method;
}

void EventSource::setMethod(const QByteArray &method)
{
    Q_D(EventSource);
    d->method = method.isEmpty() ? QByteArrayLiteral("GET") : method;
}

QByteArray EventSource::body() const
{
    Q_D(const EventSource);
    return d->body;
}

void EventSource::setBody(const QByteArray &body, const QByteArray &contentType)
{
    Q_D(EventSource);
    d->body = body;
    d->bodyContentType = contentType;
}

void EventSource::setRawHeader(const QByteArray &name, const QByteArray &value)
{
    Q_D(EventSource);
    d->rawHeaders.removeIf(
        [&](const auto &h) { return h.first.compare(name, Qt::CaseInsensitive) == 0; });
    d->rawHeaders.append({ name, value });
}

QList<QPair<QByteArray, QByteArray>> EventSource::rawHeaders() const
{
    Q_D(const EventSource);
    return d->rawHeaders;
}

void EventSource::clearRawHeaders()
{
    Q_D(EventSource);
    d->rawHeaders.clear();
}

void EventSource::setRequestHook(RequestHook hook)
{
    Q_D(EventSource);
    d->hook = std::move(hook);
}

AttemptDeferral EventSource::deferAttempt()
{
    Q_D(EventSource);
    if (!d->inHook) {
        qCWarning(lcEventSource) << "deferAttempt() called outside the request hook; ignored";
        return {};
    }
    if (!d->deferRequested) {
        d->deferRequested = true;
        d->deferralSerial = ++d->nextDeferralSerial;
    }
    return AttemptDeferral(this, d->deferralSerial);
}

bool EventSource::isAttemptDeferred() const
{
    Q_D(const EventSource);
    return d->deferralSerial != 0 && !d->inHook;
}

QString EventSource::lastEventId() const
{
    Q_D(const EventSource);
    return d->lastEventId;
}

void EventSource::setLastEventId(const QString &id)
{
    Q_D(EventSource);
    d->setLastEventIdInternal(id);
}

RetryPolicy EventSource::retryPolicy() const
{
    Q_D(const EventSource);
    return d->retryPolicy;
}

void EventSource::setRetryPolicy(const RetryPolicy &policy)
{
    Q_D(EventSource);
    d->retryPolicy = policy;
}

EventSource::AuthFailurePolicy EventSource::authFailurePolicy() const
{
    Q_D(const EventSource);
    return d->authFailurePolicy;
}

void EventSource::setAuthFailurePolicy(AuthFailurePolicy policy)
{
    Q_D(EventSource);
    d->authFailurePolicy = policy;
}

std::chrono::milliseconds EventSource::readTimeout() const
{
    Q_D(const EventSource);
    return d->readTimeout;
}

void EventSource::setReadTimeout(std::chrono::milliseconds timeout)
{
    Q_D(EventSource);
    d->readTimeout = std::max(timeout, 0ms);
    if (d->readTimeout == 0ms)
        d->readTimer->stop();
    else if (d->reply)
        d->restartReadTimer();
}

int EventSource::maxRedirects() const
{
    Q_D(const EventSource);
    return d->maxRedirects;
}

void EventSource::setMaxRedirects(int redirects)
{
    Q_D(EventSource);
    d->maxRedirects = std::max(0, redirects);
}

qint64 EventSource::readBufferSize() const
{
    Q_D(const EventSource);
    return d->readBufferSize;
}

void EventSource::setReadBufferSize(qint64 bytes)
{
    Q_D(EventSource);
    d->readBufferSize = std::max(bytes, MinReadBufferSize);
}

SseParser::Limits EventSource::parserLimits() const
{
    Q_D(const EventSource);
    return d->parser.limits();
}

void EventSource::setParserLimits(const SseParser::Limits &limits)
{
    Q_D(EventSource);
    d->parser.setLimits(limits);
}

QNetworkAccessManager *EventSource::networkAccessManager() const
{
    return const_cast<EventSourcePrivate *>(d_ptr.get())->manager();
}

void EventSource::setNetworkAccessManager(QNetworkAccessManager *manager)
{
    Q_D(EventSource);
    d->externalManager = manager;
}

EventSource::ReadyState EventSource::readyState() const
{
    Q_D(const EventSource);
    return d->readyState;
}

void EventSource::open()
{
    Q_D(EventSource);
    if (d->readyState == ReadyState::Suspended) {
        resume();
        return;
    }
    if (d->readyState != ReadyState::Closed)
        return;
    if (d->closedPending) { // open() from a slot of a fatal errorOccurred: finish that first
        d->closedPending = false;
        Q_EMIT closed();
        if (d->readyState != ReadyState::Closed)
            return;
    }
    d->abandonReply();
    d->failures = 0;
    d->authFailures = 0;
    d->attemptCause = Error();
    d->failingSince.invalidate();
    const quint64 gen = d->generation;
    d->setReadyState(ReadyState::Connecting);
    if (gen != d->generation || d->readyState != ReadyState::Connecting)
        return;
    d->retryTimer->start(0); // connect from the event loop: open() never emits errors itself
}

void EventSource::close()
{
    Q_D(EventSource);
    if (d->readyState == ReadyState::Closed)
        return;
    d->abandonReply();
    d->retryTimer->stop();
    d->parser.reset(); // stops dispatching the rest of a chunk when called from a slot
    d->setReadyState(ReadyState::Closed);
    Q_EMIT closed();
}

void EventSource::reconnect()
{
    Q_D(EventSource);
    if (d->readyState == ReadyState::Closed || d->readyState == ReadyState::Suspended) {
        open();
        return;
    }
    d->abandonReply();
    d->retryTimer->stop();
    d->parser.reset();
    const quint64 gen = d->generation;
    d->setReadyState(ReadyState::Connecting);
    if (gen != d->generation || d->readyState != ReadyState::Connecting)
        return;
    d->retryTimer->start(0);
}

void EventSource::suspend()
{
    Q_D(EventSource);
    if (d->readyState == ReadyState::Closed || d->readyState == ReadyState::Suspended)
        return;
    d->abandonReply();
    d->retryTimer->stop();
    d->parser.reset();
    qCDebug(lcEventSource) << "suspended";
    d->setReadyState(ReadyState::Suspended);
}

void EventSource::resume()
{
    Q_D(EventSource);
    if (d->readyState != ReadyState::Suspended)
        return;
    d->attemptCause = Error();
    const quint64 gen = d->generation;
    d->setReadyState(ReadyState::Connecting);
    if (gen != d->generation || d->readyState != ReadyState::Connecting)
        return;
    d->retryTimer->start(0);
}

} // namespace Sluice
