// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>
#include <Sluice/Job.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QObject>
#include <QtCore/QUrl>

#include <chrono>
#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
class QNetworkRequest;
QT_END_NAMESPACE

namespace Sluice {

class AuthSessionPrivate;
class TokenStore;

/// A signed-in user of a Sluice server: login, token refresh, logout, and the credentials every
/// request and stream of the SDK uses (ApiClient, PromptStream).
///
///   auto *session = new Sluice::AuthSession(QUrl("https://sluice.example.com"), this);
///   session->setTokenStore(new Sluice::KeychainTokenStore(QStringLiteral("my-app"), session));
///   Sluice::Job *job = session->login(user, password, Sluice::AuthSession::Remember);
///   connect(job, &Sluice::Job::finished, ...);        ///< or: session->restore(user) next time
///
/// Tokens. The access token lives in memory only and is refreshed ahead of its expiry (at
/// refreshAheadRatio() of its lifetime) and whenever the server rejects it (rejectAccessToken()).
/// Refreshes are single-flight: any number of streams and calls needing a fresh token share one
/// refresh request. Lifetimes are measured on this machine's monotonic clock from the moment an
/// answer arrives (the server's `expiresIn`), so a client clock that is off by hours changes
/// nothing. The refresh token (rotated by every refresh) is kept in memory and, when remembered,
/// in the TokenStore; a revoked or reused refresh token signs the session out with an Error of
/// kind SessionRevoked. No token is ever logged.
///
/// Cookie mode. The session's QNetworkAccessManager keeps the server's HttpOnly access cookie in
/// its cookie jar; give the same manager to the streams that use it (PromptStream does).
class SLUICE_EXPORT AuthSession : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QUrl serverUrl READ serverUrl WRITE setServerUrl NOTIFY serverUrlChanged)
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString userName READ userName NOTIFY userNameChanged)
    Q_PROPERTY(bool signedIn READ isSignedIn NOTIFY signedInChanged)
    Q_PROPERTY(bool remembered READ isRemembered NOTIFY rememberedChanged)
public:
    /// Where the session stands; see state().
    enum class State {
        SignedOut, ///< no tokens
        SigningIn, ///< login() or restore() in flight
        SignedIn, ///< a valid access token
        Refreshing, ///< a refresh is in flight (the current access token may still be valid)
        Expired, ///< the access token expired and the last refresh failed (network): retrying
    };
    Q_ENUM(State)
    /// Whether login() keeps the refresh token in the tokenStore() (Remember) or not.
    enum RememberOption { DontRemember, Remember };
    Q_ENUM(RememberOption)
    /// What logout() revokes on the server.
    enum class LogoutScope {
        ThisDevice, ///< revokes this session's refresh token family
        AllDevices, ///< revokes every refresh token of the user
    };
    Q_ENUM(LogoutScope)

    /// A signed-out session without a server URL: call setServerUrl() before login().
    explicit AuthSession(QObject *parent = nullptr);
    /// A signed-out session for the server at `serverUrl`.
    explicit AuthSession(const QUrl &serverUrl, QObject *parent = nullptr);
    ~AuthSession() override;

    /// The server's base URL (e.g. http://127.0.0.1:8080). Changing it signs the session out.
    QUrl serverUrl() const;
    /// Sets serverUrl().
    void setServerUrl(const QUrl &url);

    /// The manager used for the session's requests, and the one streams should share (cookie
    /// jar). Its own unless one is given (not owned).
    QNetworkAccessManager *networkAccessManager() const;
    /// Sets networkAccessManager().
    void setNetworkAccessManager(QNetworkAccessManager *manager);

    /// Where remembered refresh tokens live; none by default (nothing is remembered). Not owned.
    TokenStore *tokenStore() const;
    /// Sets tokenStore().
    void setTokenStore(TokenStore *store);

    /// Fraction of the access token's lifetime after which it is refreshed, 0.5 .. 0.95
    /// (default 0.8).
    double refreshAheadRatio() const;
    /// Sets refreshAheadRatio().
    void setRefreshAheadRatio(double ratio);

    /// How long one HTTP request may take (default 30 s).
    std::chrono::milliseconds requestTimeout() const;
    /// Sets requestTimeout().
    void setRequestTimeout(std::chrono::milliseconds timeout);

    /// The current state; stateChanged() reports every change.
    State state() const;
    bool isSignedIn() const; ///< SignedIn, Refreshing or Expired: tokens are held
    bool isRemembered() const; ///< the refresh token is kept in the token store
    /// The signed-in (or signing-in) user, empty when signed out.
    QString userName() const;

    /// True when an access token is held that is not about to expire.
    bool hasValidAccessToken() const;
    /// Time left on the access token (by this machine's monotonic clock), 0 when none.
    std::chrono::milliseconds accessTokenTimeLeft() const;
    /// Counts access tokens obtained (login or refresh), starting at 1; 0 when signed out. Pass
    /// it to rejectAccessToken() so that a late 401 does not discard a newer token.
    quint64 accessTokenGeneration() const;

    /// Signs in with a password. With Remember and a token store, the refresh token is stored
    /// (and restore() works next time); with DontRemember a stored one is removed.
    Job *login(const QString &userName, const QString &password,
               RememberOption remember = DontRemember);
    /// Signs in with the refresh token remembered for userName in the token store. Fails with
    /// NotSignedIn when there is none, SessionRevoked/SessionExpired when the server refuses it
    /// (the entry is then removed), Keychain when the store cannot be read.
    Job *restore(const QString &userName);
    /// Gets a new access token now. Single-flight: while one refresh is in flight every call
    /// returns that same job.
    Job *refresh();
    /// Revokes the tokens on the server (best effort) and forgets them here and in the token
    /// store. The session is signed out when the job finishes, whatever the server said.
    Job *logout(LogoutScope scope = LogoutScope::ThisDevice);

    /// Sets `Authorization: Bearer <access token>` on the request; returns the token's
    /// generation, 0 (request unchanged) when no valid access token is held.
    quint64 authorize(QNetworkRequest &request) const;
    /// Calls `callback` on `context`'s thread once a valid access token is held (at once when
    /// one is, else after the shared refresh), or with the error that prevents it (NotSignedIn,
    /// SessionRevoked, Network, ...). Never calls back synchronously; not at all when `context`
    /// is destroyed first.
    void whenAccessTokenReady(QObject *context,
                              std::function<void(const Sluice::Error &)> callback);
    /// The server refused the access token of `generation` (401): unless a newer token is held
    /// already, it is dropped and a refresh starts.
    void rejectAccessToken(quint64 generation);

Q_SIGNALS:
    /// Emitted when serverUrl() changes.
    void serverUrlChanged(const QUrl &url);
    /// Emitted when state() changes.
    void stateChanged(Sluice::AuthSession::State state);
    /// Emitted when userName() changes.
    void userNameChanged(const QString &userName);
    /// Emitted when isSignedIn() changes.
    void signedInChanged(bool signedIn);
    /// Emitted when isRemembered() changes.
    void rememberedChanged(bool remembered);
    /// A new access token is held (after login, restore or refresh).
    void accessTokenChanged();
    /// The session lost its tokens: after logout() (reason NoError), or because the server
    /// revoked them or they expired (reason SessionRevoked / SessionExpired: sign in again).
    void signedOut(const Sluice::Error &reason);
    /// Something went wrong in the background (a refresh ahead of expiry, the token store): the
    /// session keeps going where it can.
    void errorOccurred(const Sluice::Error &error);

private:
    Q_DECLARE_PRIVATE(AuthSession)
    std::unique_ptr<AuthSessionPrivate> d_ptr;
};

} // namespace Sluice
