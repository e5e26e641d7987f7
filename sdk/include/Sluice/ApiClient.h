// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/ApiReply.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>

#include <memory>

namespace Sluice {

class ApiClientPrivate;
class AuthSession;

/// The server's REST API (sessions, prompts, stream tokens, publishing events) on a signed-in
/// AuthSession. Every call is asynchronous and returns an ApiReply (see Job): nothing blocks.
/// Requests carry the session's current access token; a call made while the token is being
/// refreshed waits for it, and a 401 answer triggers one (shared) refresh and one retry.
///
///   auto *api = new Sluice::ApiClient(session, this);
///   connect(api->createPrompt(sessionId, "Explain the build"), &Sluice::Job::finished, this,
///           [](Sluice::Job *job) { auto *reply = static_cast<Sluice::ApiReply *>(job); ... });
class SLUICE_EXPORT ApiClient : public QObject
{
    Q_OBJECT
public:
    /// Calls the API of `session`'s server as its signed-in user. `session` must outlive the
    /// client.
    explicit ApiClient(AuthSession *session, QObject *parent = nullptr);
    ~ApiClient() override;

    /// The session whose server and tokens the calls use.
    AuthSession *session() const;

    /// How long one HTTP request may take (default 30 s).
    std::chrono::milliseconds requestTimeout() const;
    /// Sets requestTimeout().
    void setRequestTimeout(std::chrono::milliseconds timeout);

    /// The first page of the caller's sessions, newest first, as long as the server's default
    /// page (100); ApiReply::nextCursor() leads to the next one.
    ApiReply *listSessions();
    /// One page of the caller's sessions, newest first: at most `limit` of them (1..1000; 0 for
    /// the server's default) after `cursor`, the nextCursor() of the previous page (empty: from
    /// the start). A cursor is only valid for the list it came from (else InvalidRequest, server
    /// code "INVALID_CURSOR").
    ApiReply *listSessions(int limit, const QString &cursor = QString());
    /// Creates a session with an optional title (CreateSession; ApiReply::session()).
    ApiReply *createSession(const QString &title = {});
    /// One session of the caller (GetSession; ApiReply::session()); error NotFound for another
    /// user's.
    ApiReply *getSession(const QString &sessionId);
    /// The first page of a session's prompts, oldest first (see listSessions()).
    ApiReply *listPrompts(const QString &sessionId);
    /// One page of a session's prompts, oldest first, like listSessions(int, const QString &).
    ApiReply *listPrompts(const QString &sessionId, int limit, const QString &cursor = QString());
    /// Creates a prompt in a session: the server starts its producer (CreatePrompt;
    /// ApiReply::prompt()).
    ApiReply *createPrompt(const QString &sessionId, const QString &text);
    /// One prompt and the state of its run (GetPrompt; ApiReply::prompt()).
    ApiReply *getPrompt(const QString &sessionId, const QString &promptId);
    /// A short-lived token that opens this prompt's stream (PromptStream::Mode::StreamToken).
    ApiReply *createStreamToken(const QString &sessionId, const QString &promptId);
    /// Appends an event to the prompt's log (type: message, tool_use, tool_result, status, error
    /// or done).
    ApiReply *publishEvent(const QString &sessionId, const QString &promptId, const QString &type,
                           const QJsonObject &data = {});

    /// Any authenticated call: `path` below the server URL (e.g. "/api/claude-code/sessions",
    /// "/api/claude-code/sessions?limit=10"), `body` sent as JSON when not empty.
    ApiReply *request(const QByteArray &method, const QString &path, const QJsonObject &body = {});

    /// The URL of a prompt's stream.
    QUrl streamUrl(const QString &sessionId, const QString &promptId) const;

private:
    Q_DECLARE_PRIVATE(ApiClient)
    std::unique_ptr<ApiClientPrivate> d_ptr;
};

} // namespace Sluice
