// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the end-to-end tests: the SDK (AuthSession, ApiClient, PromptStream) against
// the real sluice-server binary (ServerProcess) on 127.0.0.1.

#include "support/httpclient.h" // metricValue
#include "support/serverprocess.h"

#include <Sluice/ApiClient.h>
#include <Sluice/AuthSession.h>
#include <Sluice/PromptStream.h>

#include <QtCore/QObject>
#include <QtTest/QTest>

#include <functional>
#include <memory>

namespace Sluice::Test {

// Generous: ASan on a loaded 2-core machine.
constexpr int E2eTimeout = 60000;

// Runs the event loop until the job finishes (or `timeoutMs`); returns its error (kind
// Timeout when it did not finish). The job must have autoDelete on (the default).
Error waitForJob(Job *job, int timeoutMs = E2eTimeout);

// Runs the event loop until `predicate` holds or `timeoutMs` passed; returns the predicate.
bool waitUntil(const std::function<bool()> &predicate, int timeoutMs = E2eTimeout);

// A user on the server and a signed-in session for it.
struct SignedInUser
{
    std::unique_ptr<AuthSession> session;
    std::unique_ptr<ApiClient> api;
};
// Creates the user with `sluice-server user add` (when `create`), then signs in on `baseUrl`.
// Empty session on failure (the test's QVERIFY reports *error).
SignedInUser signIn(ServerProcess &server, const QUrl &baseUrl, const QString &userName,
                    const QString &password, bool create, QString *error);

// Creates a session and a prompt; returns {sessionId, promptId} (empty on failure).
QPair<QString, QString> createPrompt(ApiClient &api, const QString &text, QString *error);

// Everything one PromptStream delivered.
class StreamRecorder : public QObject
{
    Q_OBJECT
public:
    explicit StreamRecorder(PromptStream *stream, QObject *parent = nullptr);

    QList<qint64> ids; // ids of every delivered event but `connected`
    QStringList types;
    QStringList data;
    int connectedEvents = 0;
    int reconnects = 0;
    int doneEvents = 0;
    QList<Error> errors;
    bool finished = false;

    // Ids strictly increasing, starting at 1, without gaps: exactly the prompt's log order.
    bool idsAreOneToN() const;
    QString summary() const;
};

} // namespace Sluice::Test
