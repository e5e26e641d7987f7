// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/ApiTypes.h>
#include <Sluice/Job.h>
#include <Sluice/Response.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QList>

#include <chrono>

namespace Sluice {

class ApiReplyPrivate;

/// The answer to one ApiClient call. Read it in a slot of finished(); the typed accessors return
/// empty values when the call failed (error().isError()) or was another kind of call.
class SLUICE_EXPORT ApiReply : public Job
{
    Q_OBJECT
public:
    /// Which ApiClient call made the reply, and so which result accessor is filled.
    enum class Operation {
        Custom,
        ListSessions,
        CreateSession,
        GetSession,
        ListPrompts,
        CreatePrompt,
        GetPrompt,
        CreateStreamToken,
        PublishEvent,
    };
    Q_ENUM(Operation)

    ~ApiReply() override;

    /// The call that made this reply.
    Operation operation() const;
    /// The final response (status and headers; its body for failures). Invalid when no response
    /// arrived.
    Response response() const;
    /// The HTTP status of the final response, 0 when none arrived.
    int httpStatus() const;
    /// The JSON body of a successful answer.
    QJsonDocument json() const;

    QList<SessionInfo> sessions() const; ///< ListSessions
    SessionInfo session() const; ///< CreateSession, GetSession
    QList<PromptInfo> prompts() const; ///< ListPrompts
    /// ListSessions, ListPrompts: the cursor of the next page (pass it to the next listSessions()
    /// or listPrompts() call), empty on the last page. Opaque: do not build or parse it.
    QString nextCursor() const;
    PromptInfo prompt() const; ///< CreatePrompt, GetPrompt
    /// CreateStreamToken: the token (a secret: never log it) and its lifetime.
    QByteArray streamToken() const;
    /// CreateStreamToken: how long the token opens the stream (the server's expiresIn).
    std::chrono::seconds streamTokenLifetime() const;
    /// PublishEvent: the event's sequence number in the prompt's log, 0 on failure.
    qint64 eventId() const;

protected:
    void cancel() override;

private:
    friend class ApiClient;
    friend class ApiClientPrivate;
    explicit ApiReply(Operation operation, QObject *parent = nullptr);
    Q_DECLARE_PRIVATE(ApiReply)
};

} // namespace Sluice
