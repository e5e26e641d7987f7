// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>
#include <Sluice/Event.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>

#include <chrono>
#include <memory>

namespace Sluice {

class AuthSession;
class EventSource;
class PromptStreamPrivate;

/// One prompt's live stream on a signed-in AuthSession: the events an agent produces while it
/// works, delivered once each and in order whatever happens to the connection, the tokens or
/// the server.
///
///   auto *stream = new Sluice::PromptStream(session, sessionId, promptId, this);
///   connect(stream, &Sluice::PromptStream::message, this,
///           [](const QString &text) { std::fputs(qPrintable(text), stdout); });
///   connect(stream, &Sluice::PromptStream::done, this, [] { qInfo("done"); });
///   stream->start();
///
/// Modes (how the stream request is authorised; see the README for when to pick which):
///   StreamToken (default)  a short-lived stream token minted for every connection attempt and
///                          sent as ?stream_token= (what a browser's native EventSource can do);
///   Header                 `Authorization: Bearer <access token>` on every attempt;
///   Cookie                 the server's HttpOnly access cookie from the session's cookie jar
///                          (the server must run with --cookie-mode).
/// Every attempt waits for a valid access token first (sharing the session's single refresh),
/// and resumes after the last event received (Last-Event-ID). Each stream has its own network
/// manager (Qt 6.4 runs at most six HTTP/1 connections per host and manager) with the session's
/// proxy; in Cookie mode the session's cookies are copied into every attempt. The server ends
/// Bearer and cookie streams when the access token expires; the stream reconnects with a fresh one.
/// A 401 refreshes and retries within the retry policy. Events already delivered are never
/// delivered again (ids are the prompt's log sequence numbers). The stream ends for good after
/// `done` (without a reconnect round-trip), on 204, or on a fatal error.
class SLUICE_EXPORT PromptStream : public QObject
{
    Q_OBJECT
    Q_PROPERTY(Mode mode READ mode WRITE setMode NOTIFY modeChanged)
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString lastEventId READ lastEventId NOTIFY lastEventIdChanged)
    Q_PROPERTY(QString sessionId READ sessionId CONSTANT)
    Q_PROPERTY(QString promptId READ promptId CONSTANT)
public:
    /// How the stream is authorised: a short-lived stream token in the URL (StreamToken, the
    /// default), the access token in an Authorization header (Header), or the session's access
    /// cookie (Cookie, a server in cookie mode).
    enum class Mode { StreamToken, Header, Cookie };
    Q_ENUM(Mode)
    /// Where the stream stands; see state().
    enum class State {
        Idle, ///< not started
        Connecting, ///< first connection (getting a token, connecting)
        Live, ///< receiving
        Reconnecting, ///< lost the connection; reconnecting() says when
        Suspended, ///< suspend()ed
        Finished, ///< `done` received, or the server said there is nothing more (204)
        Failed, ///< a fatal error (errorOccurred); start() tries again from the last event
        Stopped, ///< stop()ped
    };
    Q_ENUM(State)

    /// Follows prompt `promptId` of session `sessionId` with `session`'s credentials; nothing
    /// happens before start(). `session` must outlive the stream.
    PromptStream(AuthSession *session, const QString &sessionId, const QString &promptId,
                 QObject *parent = nullptr);
    ~PromptStream() override;

    /// The session whose credentials authorise the stream.
    AuthSession *session() const;
    /// The id of the prompt's session.
    QString sessionId() const;
    /// The id of the prompt this stream follows.
    QString promptId() const;

    /// Takes effect at the next connection attempt.
    Mode mode() const;
    /// Sets mode().
    void setMode(Mode mode);

    /// The current state; stateChanged() reports every change.
    State state() const;
    /// The id of the last event received (the prompt's log sequence number), "" before any.
    QString lastEventId() const;
    /// Resume after this event (before start(), e.g. from a saved position).
    void setLastEventId(const QString &id);
    /// Events dropped because their id was not newer than lastEventId() (0 when the server and
    /// the network behave).
    qint64 duplicatesDropped() const;

    /// The underlying EventSource, to tune its RetryPolicy, read timeout or buffer size. Its
    /// request hook, auth policy and URL belong to the PromptStream.
    EventSource *eventSource() const;

public Q_SLOTS:
    /// Connects (after the last event received, if any); no-op while connecting or live.
    void start();
    /// Ends the stream for good (state Stopped); start() begins again after the last event.
    void stop();
    /// Drops the connection and waits (state Suspended), keeping the position.
    void suspend();
    /// Connects again after suspend(), from the last event received.
    void resume();

Q_SIGNALS:
    /// Emitted when mode() changes.
    void modeChanged(Sluice::PromptStream::Mode mode);
    /// Emitted when state() changes.
    void stateChanged(Sluice::PromptStream::State state);
    /// Emitted when lastEventId() changes.
    void lastEventIdChanged(const QString &id);

    /// Every event, typed signals included, after duplicate filtering.
    void eventReceived(const Sluice::Event &event);
    /// `connected`: the server accepted the stream; `data` holds promptId and lastEventId.
    void connected(const QJsonObject &data);
    /// `message`: a text delta ({"delta": ...}) or the final text ({"text": ..., "final": true}).
    void message(const QString &text, const QJsonObject &data, const Sluice::Event &event);
    /// `tool_use`: the agent calls a tool.
    void toolUse(const QString &toolUseId, const QString &name, const QJsonObject &input,
                 const Sluice::Event &event);
    /// `tool_result`: the tool's answer; `content` is usually a string.
    void toolResult(const QString &toolUseId, const QJsonValue &content, bool isError,
                    const Sluice::Event &event);
    /// `status`: a progress note of the agent.
    void status(const QJsonObject &data, const Sluice::Event &event);
    /// `error` events of the agent (not connection errors: see errorOccurred()).
    void errorEvent(const QJsonObject &data, const Sluice::Event &event);
    /// `done`: the prompt finished; the stream ends (state Finished) right after.
    void done(const QJsonObject &data, const Sluice::Event &event);

    /// A connection error; with willRetry() the stream reconnects by itself.
    void errorOccurred(const Sluice::Error &error);
    /// A new connection attempt follows after `delay`; `attempt` counts from 2 for the first
    /// reconnect.
    void reconnecting(int attempt, std::chrono::milliseconds delay);
    /// The stream ended for good: Finished, Failed or Stopped.
    void finished();

private:
    Q_DECLARE_PRIVATE(PromptStream)
    std::unique_ptr<PromptStreamPrivate> d_ptr;
};

} // namespace Sluice
