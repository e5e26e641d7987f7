// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/ApiTypes.h>

namespace Sluice {

namespace {

QDateTime parseTime(const QJsonValue &value)
{
    QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    if (time.isValid())
        time = time.toUTC();
    return time;
}

} // namespace

class SessionInfoData : public QSharedData
{
public:
    QString id;
    QString title;
    QDateTime createdAt;
};

SessionInfo::SessionInfo()
    : d(new SessionInfoData)
{ }

SessionInfo::SessionInfo(const SessionInfo &other) = default;
SessionInfo::SessionInfo(SessionInfo &&other) noexcept = default;
SessionInfo &SessionInfo::operator=(const SessionInfo &other) = default;
SessionInfo &SessionInfo::operator=(SessionInfo &&other) noexcept = default;
SessionInfo::~SessionInfo() = default;

SessionInfo SessionInfo::fromJson(const QJsonObject &object)
{
    SessionInfo info;
    info.d->id = object.value(QLatin1String("id")).toString();
    info.d->title = object.value(QLatin1String("title")).toString();
    info.d->createdAt = parseTime(object.value(QLatin1String("createdAt")));
    return info;
}

QString SessionInfo::id() const
{
    return d->id;
}

QString SessionInfo::title() const
{
    return d->title;
}

QDateTime SessionInfo::createdAt() const
{
    return d->createdAt;
}

bool SessionInfo::operator==(const SessionInfo &other) const
{
    return d == other.d
        || (d->id == other.d->id && d->title == other.d->title
            && d->createdAt == other.d->createdAt);
}

class PromptInfoData : public QSharedData
{
public:
    QString id;
    QString sessionId;
    QString text;
    PromptInfo::Status status = PromptInfo::Status::Unknown;
    QDateTime createdAt;
};

PromptInfo::PromptInfo()
    : d(new PromptInfoData)
{ }

PromptInfo::PromptInfo(const PromptInfo &other) = default;
PromptInfo::PromptInfo(PromptInfo &&other) noexcept = default;
PromptInfo &PromptInfo::operator=(const PromptInfo &other) = default;
PromptInfo &PromptInfo::operator=(PromptInfo &&other) noexcept = default;
PromptInfo::~PromptInfo() = default;

PromptInfo PromptInfo::fromJson(const QJsonObject &object)
{
    PromptInfo info;
    info.d->id = object.value(QLatin1String("id")).toString();
    info.d->sessionId = object.value(QLatin1String("sessionId")).toString();
    info.d->text = object.value(QLatin1String("text")).toString();
    info.d->status = statusFromString(object.value(QLatin1String("status")).toString());
    info.d->createdAt = parseTime(object.value(QLatin1String("createdAt")));
    return info;
}

PromptInfo::Status PromptInfo::statusFromString(QStringView status)
{
    if (status == u"pending")
        return Status::Pending;
    if (status == u"running")
        return Status::Running;
    if (status == u"done")
        return Status::Done;
    if (status == u"failed")
        return Status::Failed;
    return Status::Unknown;
}

QString PromptInfo::id() const
{
    return d->id;
}

QString PromptInfo::sessionId() const
{
    return d->sessionId;
}

QString PromptInfo::text() const
{
    return d->text;
}

PromptInfo::Status PromptInfo::status() const
{
    return d->status;
}

QDateTime PromptInfo::createdAt() const
{
    return d->createdAt;
}

bool PromptInfo::operator==(const PromptInfo &other) const
{
    return d == other.d
        || (d->id == other.d->id && d->sessionId == other.d->sessionId && d->text == other.d->text
            && d->status == other.d->status && d->createdAt == other.d->createdAt);
}

} // namespace Sluice
