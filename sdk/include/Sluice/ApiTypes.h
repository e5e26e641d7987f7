// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/sluice_global.h>

#include <QtCore/QDateTime>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace Sluice {

class SessionInfoData;
class PromptInfoData;

/// A session of the server's API (`GET /api/claude-code/sessions`): a conversation holding
/// prompts. Implicitly shared; invalid (isValid() false) when not read from a server answer.
class SLUICE_EXPORT SessionInfo
{
    Q_GADGET
    Q_PROPERTY(QString id READ id)
    Q_PROPERTY(QString title READ title)
    Q_PROPERTY(QDateTime createdAt READ createdAt)
public:
    SessionInfo();
    /// Copies `other`: the data is shared until one of them changes.
    SessionInfo(const SessionInfo &other);
    /// Moves from `other`, which may then only be assigned to or destroyed.
    SessionInfo(SessionInfo &&other) noexcept;
    /// Assigns a copy of `other` (shared until one of them changes).
    SessionInfo &operator=(const SessionInfo &other);
    /// Move-assigns `other`, which may then only be assigned to or destroyed.
    SessionInfo &operator=(SessionInfo &&other) noexcept;
    ~SessionInfo();
    /// Swaps this value with `other`; never fails.
    void swap(SessionInfo &other) noexcept { d.swap(other.d); }

    /// From the server's JSON; invalid when `id` is missing.
    static SessionInfo fromJson(const QJsonObject &object);

    /// True when read from a server answer (it has an id).
    bool isValid() const { return !id().isEmpty(); }
    /// The server's opaque id.
    QString id() const;
    /// The title given at creation (may be empty).
    QString title() const;
    /// When the server created it (UTC).
    QDateTime createdAt() const;

    /// True when both hold equal values.
    bool operator==(const SessionInfo &other) const;
    /// The opposite of operator==().
    bool operator!=(const SessionInfo &other) const { return !(*this == other); }

private:
    QSharedDataPointer<SessionInfoData> d;
};

/// A prompt of a session: the text sent to the agent and the state of its run.
class SLUICE_EXPORT PromptInfo
{
    Q_GADGET
    Q_PROPERTY(QString id READ id)
    Q_PROPERTY(QString sessionId READ sessionId)
    Q_PROPERTY(QString text READ text)
    Q_PROPERTY(Status status READ status)
    Q_PROPERTY(QDateTime createdAt READ createdAt)
public:
    /// The state of a prompt's run; Unknown for a status this SDK does not know.
    enum class Status { Unknown, Pending, Running, Done, Failed };
    Q_ENUM(Status)

    PromptInfo();
    /// Copies `other`: the data is shared until one of them changes.
    PromptInfo(const PromptInfo &other);
    /// Moves from `other`, which may then only be assigned to or destroyed.
    PromptInfo(PromptInfo &&other) noexcept;
    /// Assigns a copy of `other` (shared until one of them changes).
    PromptInfo &operator=(const PromptInfo &other);
    /// Move-assigns `other`, which may then only be assigned to or destroyed.
    PromptInfo &operator=(PromptInfo &&other) noexcept;
    ~PromptInfo();
    /// Swaps this value with `other`; never fails.
    void swap(PromptInfo &other) noexcept { d.swap(other.d); }

    /// From the server's JSON; invalid when `id` is missing.
    static PromptInfo fromJson(const QJsonObject &object);
    /// "pending" -> Pending, ...; Unknown for anything else.
    static Status statusFromString(QStringView status);

    /// True when read from a server answer (it has an id).
    bool isValid() const { return !id().isEmpty(); }
    /// The server's opaque id.
    QString id() const;
    /// The session the prompt belongs to.
    QString sessionId() const;
    /// The prompt's text as sent to the agent.
    QString text() const;
    /// The state of the prompt's run when the answer was made.
    Status status() const;
    /// Done or Failed: its stream replays and ends.
    bool isFinished() const { return status() == Status::Done || status() == Status::Failed; }
    /// When the server created it (UTC).
    QDateTime createdAt() const;

    /// True when both hold equal values.
    bool operator==(const PromptInfo &other) const;
    /// The opposite of operator==().
    bool operator!=(const PromptInfo &other) const { return !(*this == other); }

private:
    QSharedDataPointer<PromptInfoData> d;
};

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::SessionInfo)
Q_DECLARE_SHARED(Sluice::PromptInfo)
Q_DECLARE_METATYPE(Sluice::SessionInfo)
Q_DECLARE_METATYPE(Sluice::PromptInfo)
