// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/ApiClient.h>
#include <Sluice/AuthSession.h>
#include <Sluice/EventSource.h>
#include <Sluice/PromptStream.h>

#include <QtCore/QPointer>

namespace Sluice {

class PromptStreamPrivate
{
    Q_DECLARE_PUBLIC(PromptStream)
public:
    explicit PromptStreamPrivate(PromptStream *q);

    PromptStream *q_ptr;
    QPointer<AuthSession> session;
    QString sessionId;
    QString promptId;
    PromptStream::Mode mode = PromptStream::Mode::StreamToken;
    PromptStream::State state = PromptStream::State::Idle;
    EventSource *source = nullptr;
    ApiClient *api = nullptr;

    qint64 lastSequence = 0; // highest event id delivered
    QString lastEventId;
    qint64 duplicates = 0;
    bool everOpened = false; // since start(): Connecting vs Reconnecting
    bool ending = false; // `done` received or stop(): the close that follows is intended
    PromptStream::State endState = PromptStream::State::Finished;
    bool fatalError = false; // the EventSource reported a fatal error before closing

    QByteArray mintedToken; // stream token minted for the attempt being resumed
    QPointer<ApiReply> minting;
    quint64 attemptGeneration = 0; // access token generation the current attempt used

    void setState(PromptStream::State newState);
    void setLastEventId(const QString &id);
    void prepareRequest(QNetworkRequest &request, const AttemptContext &context);
    void attachCookies(QNetworkRequest &request);
    void deferUntilTokenReady();
    void deferUntilStreamToken();
    void onEvent(const Event &event);
    void dispatchTyped(const Event &event);
    void onError(const Error &error);
    void onReadyState(EventSource::ReadyState readyState);
    void onClosed();
    void endForGood(PromptStream::State finalState);
    // An error from getting credentials, as the EventSource should treat it.
    static Error asAttemptFailure(const Error &error);
};

} // namespace Sluice
