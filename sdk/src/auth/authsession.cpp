// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/authsession_p.h"

#include "core/error_p.h"
#include "core/logging_p.h"

#include <QtCore/QJsonObject>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkCookie>
#include <QtNetwork/QNetworkCookieJar>
#include <QtNetwork/QNetworkReply>

#include <algorithm>

namespace Sluice {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// A token this close to its expiry is not handed out any more: a request takes time.
milliseconds expiryMargin(milliseconds lifetime)
{
    return std::min<milliseconds>(5s, lifetime / 10);
}

// Backoff of refresh retries after failures that were not refusals (network, 5xx).
milliseconds retryDelay(int failures)
{
    const int exponent = std::clamp(failures - 1, 0, 5);
    return std::min<milliseconds>(30s, 1s * (1 << exponent));
}

std::optional<qint64> positiveSeconds(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double seconds = value.toDouble();
    if (!(seconds > 0) || seconds > 10.0 * 365 * 24 * 3600)
        return std::nullopt;
    return qint64(seconds);
}

} // namespace

AuthSessionPrivate::AuthSessionPrivate(AuthSession *q)
    : q_ptr(q)
{
    aheadTimer.setSingleShot(true);
    retryTimer.setSingleShot(true);
    QObject::connect(&aheadTimer, &QTimer::timeout, q, [this] {
        qCDebug(lcAuth) << "refreshing the access token ahead of its expiry";
        startRefresh();
    });
    QObject::connect(&retryTimer, &QTimer::timeout, q, [this] { startRefresh(); });
}

QNetworkAccessManager *AuthSessionPrivate::manager() const
{
    return externalManager ? externalManager.data() : ownManager;
}

QString AuthSessionPrivate::storeKey(const QString &user) const
{
    return TokenStore::keyFor(serverUrl, user);
}

void AuthSessionPrivate::setState(AuthSession::State newState)
{
    Q_Q(AuthSession);
    if (state == newState)
        return;
    const bool wasSignedIn = q->isSignedIn();
    state = newState;
    Q_EMIT q->stateChanged(newState);
    if (wasSignedIn != q->isSignedIn())
        Q_EMIT q->signedInChanged(q->isSignedIn());
}

void AuthSessionPrivate::setUserName(const QString &name)
{
    Q_Q(AuthSession);
    if (userName == name)
        return;
    userName = name;
    Q_EMIT q->userNameChanged(name);
}

void AuthSessionPrivate::setRemembered(bool value)
{
    Q_Q(AuthSession);
    if (remembered == value)
        return;
    remembered = value;
    Q_EMIT q->rememberedChanged(value);
}

bool AuthSessionPrivate::applyTokens(const QJsonDocument &json, Error *error)
{
    Q_Q(AuthSession);
    const QJsonObject object = json.object();
    const QByteArray access = object.value(QLatin1String("accessToken")).toString().toLatin1();
    const QByteArray refresh = object.value(QLatin1String("refreshToken")).toString().toLatin1();
    const QString type = object.value(QLatin1String("tokenType")).toString();
    const auto accessSeconds = positiveSeconds(object.value(QLatin1String("expiresIn")));
    const auto refreshSeconds = positiveSeconds(object.value(QLatin1String("refreshExpiresIn")));
    if (!json.isObject() || access.isEmpty() || refresh.isEmpty() || !accessSeconds
        || !refreshSeconds || type.compare(u"Bearer", Qt::CaseInsensitive) != 0) {
        *error = Error(Error::Kind::ProtocolError,
                       QStringLiteral("The server's token answer is malformed"));
        return false;
    }
    // Measured from now on the monotonic clock: the client's wall clock does not matter.
    accessToken = access;
    accessLifetime = std::chrono::seconds(*accessSeconds);
    accessDeadline = QDeadlineTimer(accessLifetime, Qt::PreciseTimer);
    refreshToken = refresh;
    refreshDeadline = QDeadlineTimer(std::chrono::seconds(*refreshSeconds));
    generation = ++lastGeneration;
    accessRejected = false;
    refreshFailures = 0;
    retryTimer.stop();
    scheduleAheadRefresh();
    Q_EMIT q->accessTokenChanged();
    return true;
}

void AuthSessionPrivate::scheduleAheadRefresh()
{
    const auto ahead = milliseconds(qint64(double(accessLifetime.count()) * aheadRatio));
    aheadTimer.start(std::max<milliseconds>(ahead, 1s));
}

void AuthSessionPrivate::scheduleRetry()
{
    ++refreshFailures;
    milliseconds delay = retryDelay(refreshFailures);
    // Before expiry there is no hurry beyond the expiry itself.
    retryTimer.start(delay);
}

void AuthSessionPrivate::forgetTokens()
{
    Q_Q(AuthSession);
    const bool had = generation != 0;
    accessToken.fill('\0');
    accessToken.clear();
    refreshToken.fill('\0');
    refreshToken.clear();
    generation = 0;
    accessRejected = false;
    refreshFailures = 0;
    aheadTimer.stop();
    retryTimer.stop();
    if (had)
        Q_EMIT q->accessTokenChanged();
}

void AuthSessionPrivate::clearCookies()
{
    QNetworkAccessManager *nam = manager();
    QNetworkCookieJar *jar = nam ? nam->cookieJar() : nullptr;
    if (!jar)
        return;
    // The access cookie's path is below the API prefix; asking with a URL there finds it.
    const QUrl probe = JsonCall::makeRequest(serverUrl, QStringLiteral("/api/claude-code/x")).url();
    for (const QNetworkCookie &cookie : jar->cookiesForUrl(probe))
        jar->deleteCookie(cookie);
}

void AuthSessionPrivate::signOutLocally(const Error &reason, bool removeStored)
{
    Q_Q(AuthSession);
    const bool wasSignedIn = q->isSignedIn() || state == AuthSession::State::SigningIn;
    if (refreshReply)
        refreshReply->abort();
    if (refreshJob)
        refreshJob->complete(reason.isError()
                                 ? reason
                                 : Error(Error::Kind::NotSignedIn, QStringLiteral("Signed out")));
    refreshJob = nullptr;
    forgetTokens();
    clearCookies();
    if (removeStored && store && !userName.isEmpty()) {
        const QString key = storeKey(userName);
        TokenStoreJob *job = store->removeToken(key);
        QObject::connect(job, &Job::finished, q, [q](Job *finished) {
            if (finished->error().isError())
                Q_EMIT q->errorOccurred(finished->error());
        });
    }
    setRemembered(false);
    setState(AuthSession::State::SignedOut);
    resolveWaiters(
        reason.isError() ? reason : Error(Error::Kind::NotSignedIn, QStringLiteral("Signed out")));
    if (wasSignedIn)
        Q_EMIT q->signedOut(reason);
}

void AuthSessionPrivate::persistRefreshToken()
{
    Q_Q(AuthSession);
    if (!remembered || !store || userName.isEmpty() || refreshToken.isEmpty())
        return;
    TokenStoreJob *job = store->writeToken(storeKey(userName), refreshToken);
    QObject::connect(job, &Job::finished, q, [this, q](Job *finished) {
        if (!finished->error().isError())
            return;
        // The next start cannot restore this session; the running one is unaffected.
        setRemembered(false);
        Q_EMIT q->errorOccurred(finished->error());
    });
}

void AuthSessionPrivate::resolveWaiters(const Error &error)
{
    const QList<Waiter> pending = std::exchange(waiters, {});
    for (const Waiter &waiter : pending) {
        if (!waiter.context)
            continue;
        QMetaObject::invokeMethod(
            waiter.context.data(), [callback = waiter.callback, error] { callback(error); },
            Qt::QueuedConnection);
    }
}

QNetworkReply *AuthSessionPrivate::postRefresh(const QByteArray &token,
                                               std::function<void(const JsonCall::Result &)> done)
{
    Q_Q(AuthSession);
    QJsonObject body { { QStringLiteral("refreshToken"), QString::fromLatin1(token) } };
    return JsonCall::send(manager(),
                          JsonCall::makeRequest(serverUrl, QStringLiteral("/api/auth/refresh")),
                          "POST", QJsonDocument(body), requestTimeout, q, std::move(done));
}

Error AuthSessionPrivate::refusedRefreshError(const JsonCall::Result &result) const
{
    if (refreshDeadline.hasExpired()) {
        return ErrorBuilder(Error::Kind::SessionExpired,
                            QStringLiteral("The sign-in expired: sign in again"))
            .response(result.response);
    }
    return ErrorBuilder(Error::Kind::SessionRevoked,
                        QStringLiteral("The session was ended on the server (signed out, or "
                                       "signed in elsewhere with the same credentials): sign in "
                                       "again"))
        .response(result.response);
}

void AuthSessionPrivate::startRefresh()
{
    Q_Q(AuthSession);
    if (refreshJob || signInJob)
        return; // one refresh at a time; a sign-in brings its own tokens
    if (refreshToken.isEmpty()) {
        resolveWaiters(Error(Error::Kind::NotSignedIn, QStringLiteral("Not signed in")));
        return;
    }
    aheadTimer.stop();
    retryTimer.stop();
    refreshJob = new AuthJob(q);
    setState(AuthSession::State::Refreshing);
    qCDebug(lcAuth) << "refresh started";
    refreshReply = postRefresh(refreshToken,
                               [this](const JsonCall::Result &result) { onRefreshResult(result); });
}

void AuthSessionPrivate::onRefreshResult(const JsonCall::Result &result)
{
    Q_Q(AuthSession);
    AuthJob *job = refreshJob;
    refreshJob = nullptr;
    refreshReply = nullptr;
    if (result.ok()) {
        Error error;
        if (applyTokens(result.json, &error)) {
            qCDebug(lcAuth) << "refresh done";
            setState(AuthSession::State::SignedIn);
            persistRefreshToken();
            resolveWaiters({});
            if (job)
                job->complete();
            return;
        }
        // A malformed answer: treat like a failure that may pass.
        scheduleRetry();
        setState(q->hasValidAccessToken() ? AuthSession::State::SignedIn
                                          : AuthSession::State::Expired);
        resolveWaiters(error);
        Q_EMIT q->errorOccurred(error);
        if (job)
            job->complete(error);
        return;
    }
    if (result.error.kind() == Error::Kind::Canceled) {
        if (job)
            job->complete(result.error);
        return;
    }
    if (result.error.kind() == Error::Kind::Unauthorized) {
        // The refresh token is dead (revoked, reused elsewhere, expired): only a sign-in helps.
        const Error reason = refusedRefreshError(result);
        qCInfo(lcAuth).noquote() << "refresh refused:" << reason.message();
        if (job)
            job->complete(reason);
        signOutLocally(reason, true);
        return;
    }
    // Network, server error, rate limit: keep the tokens and try again.
    qCInfo(lcAuth).noquote() << "refresh failed:" << result.error.message();
    scheduleRetry();
    if (const auto after = result.error.retryAfter())
        retryTimer.start(std::max(milliseconds(retryTimer.remainingTime()), *after));
    const bool valid = q->hasValidAccessToken();
    setState(valid ? AuthSession::State::SignedIn : AuthSession::State::Expired);
    resolveWaiters(valid ? Error() : result.error);
    Q_EMIT q->errorOccurred(result.error);
    if (job)
        job->complete(result.error);
}

void AuthSessionPrivate::beginSignIn(AuthJob *job)
{
    // A new sign-in replaces whatever was going on: its tokens will replace the current ones.
    const Error replaced(Error::Kind::Canceled, QStringLiteral("Replaced by a new sign-in"));
    if (signInJob) {
        if (signInReply)
            signInReply->abort();
        signInJob->complete(replaced);
    }
    if (refreshReply)
        refreshReply->abort();
    if (refreshJob)
        refreshJob->complete(replaced);
    refreshJob = nullptr;
    forgetTokens();
    signInJob = job;
    setState(AuthSession::State::SigningIn);
}

void AuthSessionPrivate::finishSignIn(AuthJob *job, const Error &error)
{
    signInJob = nullptr;
    signInReply = nullptr;
    if (error.isError()) {
        forgetTokens();
        setState(AuthSession::State::SignedOut);
        resolveWaiters(error);
    } else {
        setState(AuthSession::State::SignedIn);
        resolveWaiters({});
    }
    if (job)
        job->complete(error);
}

// --- AuthSession -------------------------------------------------------------------------------

AuthSession::AuthSession(QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<AuthSessionPrivate>(this))
{
    Q_D(AuthSession);
    d->ownManager = new QNetworkAccessManager(this);
}

AuthSession::AuthSession(const QUrl &serverUrl, QObject *parent)
    : AuthSession(parent)
{
    d_ptr->serverUrl = serverUrl;
}

AuthSession::~AuthSession()
{
    Q_D(AuthSession);
    d->aheadTimer.stop();
    d->retryTimer.stop();
    d->forgetTokens();
}

QUrl AuthSession::serverUrl() const
{
    Q_D(const AuthSession);
    return d->serverUrl;
}

void AuthSession::setServerUrl(const QUrl &url)
{
    Q_D(AuthSession);
    if (d->serverUrl == url)
        return;
    if (isSignedIn() || d->state == State::SigningIn) {
        if (d->signInJob) {
            if (d->signInReply)
                d->signInReply->abort();
            d->finishSignIn(d->signInJob,
                            Error(Error::Kind::Canceled, QStringLiteral("The server URL changed")));
        }
        d->signOutLocally({}, false);
    }
    d->serverUrl = url;
    Q_EMIT serverUrlChanged(url);
}

QNetworkAccessManager *AuthSession::networkAccessManager() const
{
    Q_D(const AuthSession);
    return d->manager();
}

void AuthSession::setNetworkAccessManager(QNetworkAccessManager *manager)
{
    Q_D(AuthSession);
    d->externalManager = manager;
}

TokenStore *AuthSession::tokenStore() const
{
    Q_D(const AuthSession);
    return d->store;
}

void AuthSession::setTokenStore(TokenStore *store)
{
    Q_D(AuthSession);
    d->store = store;
}

double AuthSession::refreshAheadRatio() const
{
    Q_D(const AuthSession);
    return d->aheadRatio;
}

void AuthSession::setRefreshAheadRatio(double ratio)
{
    Q_D(AuthSession);
    d->aheadRatio = std::isnan(ratio) ? 0.8 : std::clamp(ratio, 0.5, 0.95);
    if (d->aheadTimer.isActive())
        d->scheduleAheadRefresh();
}

std::chrono::milliseconds AuthSession::requestTimeout() const
{
    Q_D(const AuthSession);
    return d->requestTimeout;
}

void AuthSession::setRequestTimeout(std::chrono::milliseconds timeout)
{
    Q_D(AuthSession);
    d->requestTimeout = std::max(timeout, milliseconds(1));
}

AuthSession::State AuthSession::state() const
{
    Q_D(const AuthSession);
    return d->state;
}

bool AuthSession::isSignedIn() const
{
    Q_D(const AuthSession);
    return d->state == State::SignedIn || d->state == State::Refreshing
        || d->state == State::Expired;
}

bool AuthSession::isRemembered() const
{
    Q_D(const AuthSession);
    return d->remembered;
}

QString AuthSession::userName() const
{
    Q_D(const AuthSession);
    return d->userName;
}

bool AuthSession::hasValidAccessToken() const
{
    Q_D(const AuthSession);
    if (d->generation == 0 || d->accessRejected || d->accessToken.isEmpty())
        return false;
    return d->accessDeadline.remainingTimeAsDuration() > expiryMargin(d->accessLifetime);
}

std::chrono::milliseconds AuthSession::accessTokenTimeLeft() const
{
    Q_D(const AuthSession);
    if (d->generation == 0)
        return 0ms;
    return std::chrono::duration_cast<milliseconds>(d->accessDeadline.remainingTimeAsDuration());
}

quint64 AuthSession::accessTokenGeneration() const
{
    Q_D(const AuthSession);
    return d->generation;
}

Job *AuthSession::login(const QString &userName, const QString &password, RememberOption remember)
{
    Q_D(AuthSession);
    auto *job = new AuthJob(this);
    if (!d->serverUrl.isValid() || d->serverUrl.host().isEmpty()) {
        job->complete(Error(Error::Kind::InvalidRequest, QStringLiteral("No server URL is set")));
        return job;
    }
    if (userName.isEmpty() || password.isEmpty()) {
        job->complete(
            Error(Error::Kind::InvalidRequest, QStringLiteral("Enter a user name and a password")));
        return job;
    }
    d->beginSignIn(job);

    const QJsonObject body { { QStringLiteral("username"), userName },
                             { QStringLiteral("password"), password } };
    d->signInReply = JsonCall::send(
        d->manager(), JsonCall::makeRequest(d->serverUrl, QStringLiteral("/api/auth/login")),
        "POST", QJsonDocument(body), d->requestTimeout, this,
        [this, d, job, userName, remember](const JsonCall::Result &result) {
            if (d->signInJob != job)
                return; // replaced or canceled
            Error error = result.error;
            if (error.kind() == Error::Kind::Unauthorized) {
                error = ErrorBuilder(Error::Kind::InvalidCredentials,
                                     QStringLiteral("Wrong user name or password"))
                            .response(result.response);
            } else if (error.kind() == Error::Kind::RateLimited) {
                const auto wait = error.retryAfter();
                error = ErrorBuilder(error).message(
                    wait ? QStringLiteral("Too many failed sign-ins: try again in %1 s")
                               .arg((wait->count() + 999) / 1000)
                         : QStringLiteral("Too many failed sign-ins: try again later"));
            }
            if (!error.isError())
                d->applyTokens(result.json, &error);
            if (error.isError()) {
                qCInfo(lcAuth).noquote() << "sign-in failed:" << error.message();
                d->finishSignIn(job, error);
                return;
            }
            qCInfo(lcAuth) << "signed in";
            d->setUserName(userName);
            if (d->store && remember == Remember) {
                d->setRemembered(true);
                d->persistRefreshToken();
            } else if (d->store) {
                d->setRemembered(false);
                d->store->removeToken(d->storeKey(userName)); // "remember me" unchecked
            }
            d->finishSignIn(job, {});
        });
    return job;
}

Job *AuthSession::restore(const QString &userName)
{
    Q_D(AuthSession);
    auto *job = new AuthJob(this);
    if (!d->store) {
        job->complete(Error(Error::Kind::NotSignedIn,
                            QStringLiteral("No token store is set: nothing is remembered")));
        return job;
    }
    if (!d->serverUrl.isValid() || userName.isEmpty()) {
        job->complete(Error(Error::Kind::InvalidRequest,
                            QStringLiteral("A server URL and a user name are needed")));
        return job;
    }
    d->beginSignIn(job);

    const QString key = d->storeKey(userName);
    TokenStoreJob *read = d->store->readToken(key);
    connect(read, &Job::finished, this, [this, d, job, userName, key](Job *finished) {
        if (d->signInJob != job)
            return;
        auto *readJob = static_cast<TokenStoreJob *>(finished);
        if (readJob->error().isError()) {
            d->finishSignIn(job, readJob->error());
            return;
        }
        d->signInReply = d->postRefresh(
            readJob->token(), [this, d, job, userName, key](const JsonCall::Result &result) {
                if (d->signInJob != job)
                    return;
                Error error = result.error;
                if (error.kind() == Error::Kind::Unauthorized) {
                    error = ErrorBuilder(Error::Kind::SessionRevoked,
                                         QStringLiteral("The remembered sign-in is no longer "
                                                        "valid (expired, signed out, or used "
                                                        "elsewhere): sign in again"))
                                .response(result.response);
                    if (d->store)
                        d->store->removeToken(key);
                }
                if (!error.isError())
                    d->applyTokens(result.json, &error);
                if (error.isError()) {
                    qCInfo(lcAuth).noquote() << "restore failed:" << error.message();
                    d->finishSignIn(job, error);
                    return;
                }
                qCInfo(lcAuth) << "signed in with the remembered token";
                d->setUserName(userName);
                d->setRemembered(true);
                d->persistRefreshToken(); // the rotated one
                d->finishSignIn(job, {});
            });
    });
    return job;
}

Job *AuthSession::refresh()
{
    Q_D(AuthSession);
    if (d->refreshJob)
        return d->refreshJob;
    if (d->signInJob)
        return d->signInJob; // the sign-in brings fresh tokens
    d->startRefresh();
    if (d->refreshJob)
        return d->refreshJob;
    auto *job = new AuthJob(this);
    job->complete(Error(Error::Kind::NotSignedIn, QStringLiteral("Not signed in")));
    return job;
}

Job *AuthSession::logout(LogoutScope scope)
{
    Q_D(AuthSession);
    auto *job = new AuthJob(this);
    if (!isSignedIn()) {
        d->signOutLocally({}, true);
        job->complete();
        return job;
    }
    const QByteArray refreshToken = d->refreshToken;
    whenAccessTokenReady(job, [this, d, job, scope, refreshToken](const Error &ready) {
        if (ready.isError()) {
            // Cannot reach the server with a valid token: forget everything here anyway.
            d->signOutLocally({}, true);
            job->complete(ready.requiresSignIn() ? Error() : ready);
            return;
        }
        QNetworkRequest request
            = JsonCall::makeRequest(d->serverUrl, QStringLiteral("/api/auth/logout"));
        authorize(request);
        QJsonDocument body;
        if (scope == LogoutScope::ThisDevice)
            body = QJsonDocument(QJsonObject {
                { QStringLiteral("refreshToken"), QString::fromLatin1(refreshToken) } });
        JsonCall::send(d->manager(), request, "POST", body, d->requestTimeout, job,
                       [d, job](const JsonCall::Result &result) {
                           qCInfo(lcAuth) << "signed out";
                           d->signOutLocally({}, true);
                           job->complete(result.error);
                       });
    });
    return job;
}

quint64 AuthSession::authorize(QNetworkRequest &request) const
{
    Q_D(const AuthSession);
    if (!hasValidAccessToken())
        return 0;
    request.setRawHeader("Authorization", "Bearer " + d->accessToken);
    return d->generation;
}

void AuthSession::whenAccessTokenReady(QObject *context,
                                       std::function<void(const Sluice::Error &)> callback)
{
    Q_D(AuthSession);
    if (!context || !callback)
        return;
    if (hasValidAccessToken()) {
        QMetaObject::invokeMethod(
            context, [callback = std::move(callback)] { callback({}); }, Qt::QueuedConnection);
        return;
    }
    if (d->state == State::SignedOut) {
        QMetaObject::invokeMethod(
            context,
            [callback = std::move(callback)] {
                callback(Error(Error::Kind::NotSignedIn, QStringLiteral("Not signed in")));
            },
            Qt::QueuedConnection);
        return;
    }
    d->waiters.append({ context, std::move(callback) });
    if (!d->signInJob)
        d->startRefresh();
}

void AuthSession::rejectAccessToken(quint64 generation)
{
    Q_D(AuthSession);
    if (generation == 0 || generation != d->generation || d->accessRejected)
        return;
    qCInfo(lcAuth) << "the server refused the access token; refreshing";
    d->accessRejected = true;
    d->startRefresh();
}

} // namespace Sluice
