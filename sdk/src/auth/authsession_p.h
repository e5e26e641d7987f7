// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/AuthSession.h>
#include <Sluice/TokenStore.h>

#include "api/jsoncall_p.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

QT_BEGIN_NAMESPACE
class QNetworkReply;
QT_END_NAMESPACE

namespace Sluice {

// A Job the session finishes itself.
class AuthJob final : public Job
{
public:
    explicit AuthJob(QObject *parent)
        : Job(parent)
    { }
    void complete(const Error &error = {}) { finish(error); }
};

class AuthSessionPrivate
{
    Q_DECLARE_PUBLIC(AuthSession)
public:
    explicit AuthSessionPrivate(AuthSession *q);

    AuthSession *q_ptr;

    // --- configuration ---
    QUrl serverUrl;
    QPointer<QNetworkAccessManager> externalManager;
    QNetworkAccessManager *ownManager = nullptr;
    QPointer<TokenStore> store;
    double aheadRatio = 0.8;
    std::chrono::milliseconds requestTimeout { 30000 };

    // --- tokens (memory only; the refresh token also in the store when remembered) ---
    AuthSession::State state = AuthSession::State::SignedOut;
    QString userName;
    bool remembered = false;
    QByteArray accessToken;
    QDeadlineTimer accessDeadline;
    std::chrono::milliseconds accessLifetime { 0 };
    quint64 generation = 0; // of the access token held; 0 when none
    quint64 lastGeneration = 0; // generations are never reused
    bool accessRejected = false; // the server refused the current access token
    QByteArray refreshToken;
    QDeadlineTimer refreshDeadline;

    QTimer aheadTimer; // refresh ahead of expiry
    QTimer retryTimer; // refresh again after a failure that was not a refusal
    int refreshFailures = 0;

    // --- operations in flight ---
    QPointer<AuthJob> refreshJob; // the shared refresh (single-flight)
    QPointer<QNetworkReply> refreshReply;
    QPointer<AuthJob> signInJob; // login() or restore()
    QPointer<QNetworkReply> signInReply;
    struct Waiter
    {
        QPointer<QObject> context;
        std::function<void(const Error &)> callback;
    };
    QList<Waiter> waiters;

    QNetworkAccessManager *manager() const;
    QString storeKey(const QString &user) const;

    void setState(AuthSession::State newState);
    void setUserName(const QString &name);
    void setRemembered(bool value);
    // Takes the tokens from a login/refresh answer; false (and *error) when it is malformed.
    bool applyTokens(const QJsonDocument &json, Error *error);
    void scheduleAheadRefresh();
    void scheduleRetry();
    void forgetTokens();
    void signOutLocally(const Error &reason, bool removeStored);
    void clearCookies();
    void persistRefreshToken();
    void resolveWaiters(const Error &error);

    // POST /api/auth/refresh with `token`; calls `done` with the call's result.
    QNetworkReply *postRefresh(const QByteArray &token,
                               std::function<void(const JsonCall::Result &)> done);
    void startRefresh();
    void onRefreshResult(const JsonCall::Result &result);
    // The error for a refused refresh token.
    Error refusedRefreshError(const JsonCall::Result &result) const;
    void beginSignIn(AuthJob *job);
    void finishSignIn(AuthJob *job, const Error &error);
};

} // namespace Sluice
