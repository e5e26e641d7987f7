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

// A session of the server's API (`GET /api/claude-code/sessions`): a conversation holding
// prompts. Implicitly shared; invalid (isValid() false) when not read from a server answer.
class SLUICE_EXPORT SessionInfo
{
    Q_GADGET
    Q_PROPERTY(QString id READ id)
    Q_PROPERTY(QString title READ title)
    Q_PROPERTY(QDateTime createdAt READ createdAt)
public:
    SessionInfo();
    SessionInfo(const SessionInfo &other);
    SessionInfo(SessionInfo &&other) noexcept;
    SessionInfo &operator=(const SessionInfo &other);
    SessionInfo &operator=(SessionInfo &&other) noexcept;
    ~SessionInfo();
    void swap(SessionInfo &other) noexcept { d.swap(other.d); }

    // From the server's JSON; invalid when `id` is missing.
    static SessionInfo fromJson(const QJsonObject &object);

    bool isValid() const { return !id().isEmpty(); }
    QString id() const;
    QString title() const;
    QDateTime createdAt() const;

    bool operator==(const SessionInfo &other) const;
    bool operator!=(const SessionInfo &other) const { return !(*this == other); }

private:
    QSharedDataPointer<SessionInfoData> d;
};

// A prompt of a session: the text sent to the agent and the state of its run.
class SLUICE_EXPORT PromptInfo
{
    Q_GADGET
    Q_PROPERTY(QString id READ id)
    Q_PROPERTY(QString sessionId READ sessionId)
    Q_PROPERTY(QString text READ text)
    Q_PROPERTY(Status status READ status)
    Q_PROPERTY(QDateTime createdAt READ createdAt)
public:
    enum class Status { Unknown, Pending, Running, Done, Failed };
    Q_ENUM(Status)

    PromptInfo();
    PromptInfo(const PromptInfo &other);
    PromptInfo(PromptInfo &&other) noexcept;
    PromptInfo &operator=(const PromptInfo &other);
    PromptInfo &operator=(PromptInfo &&other) noexcept;
    ~PromptInfo();
    void swap(PromptInfo &other) noexcept { d.swap(other.d); }

    static PromptInfo fromJson(const QJsonObject &object);
    // "pending" -> Pending, ...; Unknown for anything else.
    static Status statusFromString(QStringView status);

    bool isValid() const { return !id().isEmpty(); }
    QString id() const;
    QString sessionId() const;
    QString text() const;
    Status status() const;
    // Done or Failed: its stream replays and ends.
    bool isFinished() const { return status() == Status::Done || status() == Status::Failed; }
    QDateTime createdAt() const;

    bool operator==(const PromptInfo &other) const;
    bool operator!=(const PromptInfo &other) const { return !(*this == other); }

private:
    QSharedDataPointer<PromptInfoData> d;
};

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::SessionInfo)
Q_DECLARE_SHARED(Sluice::PromptInfo)
Q_DECLARE_METATYPE(Sluice::SessionInfo)
Q_DECLARE_METATYPE(Sluice::PromptInfo)
