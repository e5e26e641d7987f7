// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "transport/eventsource_p.h"

#include "core/logging_p.h"
#include "transport/httppolicy_p.h"

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
// How long the body of a rejected response may take to end before it is aborted.
constexpr milliseconds RejectedResponseGrace = 5s;

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

} // namespace

// --- EventSourcePrivate ------------------------------------------------------------------------

EventSourcePrivate::EventSourcePrivate(EventSource *q)
    : q_ptr(q)
{
    retryTimer = new QTimer(q);
    retryTimer->setSingleShot(true);
    readTimer = new QTimer(q);
    readTimer->setSingleShot(true);
    QObject::connect(retryTimer, &QTimer::timeout, q, [this] { startAttempt(); });
    QObject::connect(readTimer, &QTimer::timeout, q, [this] { onReadTimeout(); });

    parser.setEventHandler([this](const Event &event) {
        Q_Q(EventSource);
        if (!accepted || readyState != EventSource::ReadyState::Open)
            return;
        const quint64 gen = generation;
        setLastEventIdInternal(event.lastEventId());
        if (gen != generation)
            return;
        Event dispatched = event;
        dispatched.setOrigin(origin);
        Q_EMIT q->eventReceived(dispatched);
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
    if (lastEventId == id)
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
                            .arg(HttpPolicy::redactedUrl(requestUrl))));
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
    for (const auto &[name, value] : std::as_const(rawHeaders)) {
        if (crossOriginRedirect && isCredentialHeader(name))
            continue; // credentials never follow a redirect to another origin
        request.setRawHeader(name, value);
    }
    if (!lastEventId.isEmpty()) {
        const QByteArray id = lastEventId.toUtf8();
        if (isSafeHeaderValue(id))
            request.setRawHeader("Last-Event-ID", id);
        else
            qCWarning(lcEventSource) << "last event ID contains a line break or NUL; not sent";
    }

    const quint64 gen = generation;
    if (hook) {
        hook(request, attempt());
        if (gen != generation || readyState == EventSource::ReadyState::Closed)
            return; // the hook closed or restarted the source
    }

    qCDebug(lcEventSource).noquote()
        << "attempt" << attempt() << requestMethod << HttpPolicy::redactedUrl(request.url());
    QNetworkAccessManager *nam = manager();
    QNetworkReply *r = nullptr;
    const QByteArray payload = requestHasBody ? body : QByteArray();
    if (requestMethod == "GET" && payload.isEmpty())
        r = nam->get(request);
    else if (requestMethod == "POST")
        r = nam->post(request, payload);
    else
        r = nam->sendCustomRequest(request, requestMethod, payload);
    reply = r;
    headHandled = false;
    accepted = false;

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
    QObject::connect(r, &QNetworkReply::finished, q, [this, serial] {
        if (serial == replySerial && reply)
            onFinished();
    });
    restartReadTimer();
}

void EventSourcePrivate::abandonReply()
{
    Q_Q(EventSource);
    ++generation;
    ++replySerial;
    readTimer->stop();
    // A rejected response (redirect, error status, wrong content type) is one the server is
    // ending anyway: let it end, discarding its body, instead of aborting it (aborting a reply
    // that Qt has already marked with an HTTP error makes Qt warn). A body that does not end
    // within the grace period is aborted.
    const bool rejected = headHandled && !accepted;
    headHandled = false;
    accepted = false;
    QNetworkReply *r = reply.data();
    if (!r)
        return;
    reply = nullptr;
    r->disconnect(q);
    if (r->isFinished()) {
        r->deleteLater();
        return;
    }
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
    // Qt 6.4's HTTP/1 channel re-sends a request by itself when it sees the connection close
    // before it has read the response (a server that writes a whole response and closes at
    // once); the reply then carries a second response, sent without our current Last-Event-ID.
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
    if (!accepted || !reply)
        return;
    // Everything available right now, never the whole response.
    const QByteArray bytes = reply->readAll();
    if (!bytes.isEmpty())
        feed(bytes);
}

void EventSourcePrivate::feed(const QByteArray &bytes)
{
    const quint64 gen = generation;
    const SseParser::Status status = parser.feed(bytes);
    if (gen != generation)
        return; // a slot closed, reconnected or re-opened the source
    setLastEventIdInternal(parser.lastEventId());
    if (gen != generation)
        return;
    if (status != SseParser::Status::Ok) {
        failFatal(Error(Error::Kind::ParseLimit, parser.errorString(), 200));
        return;
    }
}

void EventSourcePrivate::onFinished()
{
    readTimer->stop();
    QNetworkReply *r = reply.data();
    if (!headHandled) {
        if (r->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid()) {
            if (!handleHead())
                return;
        } else {
            failRetryable(Error(Error::Kind::Network, describeNetworkError(), 0, true));
            return;
        }
    }
    if (!accepted || reply != r)
        return;
    const QByteArray rest = r->readAll();
    const quint64 gen = generation;
    if (!rest.isEmpty())
        feed(rest);
    if (gen != generation)
        return;
    parser.finish(); // an incomplete event is discarded
    const QString message = r->error() == QNetworkReply::NoError
        ? QStringLiteral("The server closed the stream")
        : describeNetworkError();
    failRetryable(Error(Error::Kind::Network, message, 200, true));
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
    const int status = statusAttribute.toInt();
    const QString reason = r->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    const QString statusText = QStringLiteral("HTTP %1 %2").arg(status).arg(reason).trimmed();

    switch (HttpPolicy::actionForStatus(status)) {
    case HttpPolicy::StatusAction::Open: {
        const QByteArray contentType = r->rawHeader("Content-Type");
        if (!HttpPolicy::isEventStream(contentType)) {
            failFatal(Error(Error::Kind::ContentType,
                            QStringLiteral("Expected text/event-stream, got \"%1\"")
                                .arg(QString::fromLatin1(contentType.left(100))),
                            status));
            return false;
        }
        accepted = true;
        restartReadTimer();
        origin = HttpPolicy::serializeOrigin(r->url());
        parser.reset();
        parser.setLastEventId(lastEventId);
        openedAt.start();
        const quint64 gen = generation;
        setReadyState(EventSource::ReadyState::Open);
        if (gen != generation)
            return false;
        qCDebug(lcEventSource).noquote() << "open" << HttpPolicy::redactedUrl(r->url());
        Q_EMIT q->opened();
        return gen == generation;
    }
    case HttpPolicy::StatusAction::CloseForGood:
        closeForGood();
        return false;
    case HttpPolicy::StatusAction::Redirect:
        followRedirect(status);
        return false;
    case HttpPolicy::StatusAction::Retry: {
        Error error(Error::Kind::HttpStatus, statusText, status, true);
        const auto retryAfter = HttpPolicy::parseRetryAfter(r->rawHeader("Retry-After"),
                                                            QDateTime::currentDateTimeUtc());
        if (retryAfter) {
            const milliseconds cap = std::max(retryPolicy.maxDelay(), RetryAfterCap);
            error.setRetryAfterMs(std::min(*retryAfter, cap).count());
        }
        failRetryable(error);
        return false;
    }
    case HttpPolicy::StatusAction::Fail:
        failFatal(Error(Error::Kind::HttpStatus, statusText, status));
        return false;
    }
    return false;
}

void EventSourcePrivate::followRedirect(int status)
{
    QNetworkReply *r = reply.data();
    const QByteArray location = r->rawHeader("Location");
    if (location.isEmpty()) {
        failFatal(Error(Error::Kind::HttpStatus,
                        QStringLiteral("HTTP %1 without a Location header").arg(status), status));
        return;
    }
    const QUrl target = r->url().resolved(QUrl::fromEncoded(location));
    const QString scheme = target.scheme().toLower();
    if (!target.isValid() || (scheme != u"http" && scheme != u"https")) {
        failFatal(Error(Error::Kind::HttpStatus,
                        QStringLiteral("HTTP %1 to an unsupported location").arg(status), status));
        return;
    }
    if (redirects >= maxRedirects) {
        failFatal(Error(Error::Kind::TooManyRedirects,
                        QStringLiteral("More than %1 redirects").arg(maxRedirects), status));
        return;
    }
    ++redirects;
    bool keepsBody = true;
    requestMethod = HttpPolicy::methodAfterRedirect(status, requestMethod, &keepsBody);
    requestHasBody = requestHasBody && keepsBody;
    if (!HttpPolicy::sameOrigin(url, target))
        crossOriginRedirect = true;
    qCDebug(lcEventSource).noquote()
        << "redirect" << status << "to" << HttpPolicy::redactedUrl(target);
    abandonReply();
    requestUrl = target;
    sendRequest();
}

void EventSourcePrivate::failRetryable(Error error)
{
    Q_Q(EventSource);
    const bool wasOpen = accepted;
    abandonReply();
    retryTimer->stop();

    if (wasOpen && openedAt.isValid() && openedAt.elapsed() >= retryPolicy.resetAfter().count()) {
        failures = 0;
        failingSince.invalidate();
    }
    if (!failingSince.isValid())
        failingSince.start();
    ++failures;

    const double random = QRandomGenerator::global()->generateDouble();
    milliseconds delay
        = retryPolicy.delayFor(failures, random, serverRetry.value_or(retryPolicy.initialDelay()));
    if (error.retryAfterMs() >= 0)
        delay = std::max(delay, milliseconds(error.retryAfterMs()));
    delay = milliseconds(toTimerInterval(delay));

    const auto maxAttempts = retryPolicy.maxAttempts();
    const auto maxElapsed = retryPolicy.maxElapsed();
    const bool attemptsSpent = maxAttempts && failures >= *maxAttempts;
    const bool timeSpent = maxElapsed && milliseconds(failingSince.elapsed()) + delay > *maxElapsed;
    if (attemptsSpent || timeSpent) {
        Error exhausted(
            Error::Kind::RetriesExhausted,
            QStringLiteral("Gave up after %1 attempt(s): %2").arg(failures).arg(error.message()),
            error.httpStatus());
        exhausted.setRetryAfterMs(error.retryAfterMs());
        failFatal(exhausted);
        return;
    }

    qCInfo(lcEventSource).noquote()
        << error.message() << "- reconnecting in" << delay.count() << "ms";
    const quint64 gen = generation;
    setReadyState(EventSource::ReadyState::Connecting);
    if (gen != generation)
        return;
    Q_EMIT q->errorOccurred(error);
    if (gen != generation || readyState != EventSource::ReadyState::Connecting)
        return;
    retryTimer->start(int(delay.count()));
    Q_EMIT q->reconnecting(attempt(), int(delay.count()));
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
                text.replace(form, HttpPolicy::redactedUrl(u));
        }
    }
    const char *key = QMetaEnum::fromType<QNetworkReply::NetworkError>().valueToKey(code);
    return QStringLiteral("%1 (%2)").arg(text, QLatin1String(key ? key : "UnknownNetworkError"));
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
    if (d->readyState == ReadyState::Closed) {
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

} // namespace Sluice
