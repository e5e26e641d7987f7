// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/ApiReply.h>

#include "api/apiclient_p.h"

#include <QtCore/QJsonArray>
#include <QtNetwork/QNetworkReply>

namespace Sluice {

ApiReply::ApiReply(Operation operation, QObject *parent)
    : Job(*new ApiReplyPrivate, parent)
{
    Q_D(ApiReply);
    d->operation = operation;
}

ApiReply::~ApiReply() = default;

ApiReply::Operation ApiReply::operation() const
{
    Q_D(const ApiReply);
    return d->operation;
}

Response ApiReply::response() const
{
    Q_D(const ApiReply);
    return d->result.response;
}

int ApiReply::httpStatus() const
{
    Q_D(const ApiReply);
    return d->result.response.status();
}

QJsonDocument ApiReply::json() const
{
    Q_D(const ApiReply);
    return d->result.ok() ? d->result.json : QJsonDocument();
}

QList<SessionInfo> ApiReply::sessions() const
{
    QList<SessionInfo> list;
    const QJsonArray array = json().object().value(QLatin1String("sessions")).toArray();
    for (const QJsonValue &value : array)
        list.append(SessionInfo::fromJson(value.toObject()));
    return list;
}

SessionInfo ApiReply::session() const
{
    return SessionInfo::fromJson(json().object());
}

QList<PromptInfo> ApiReply::prompts() const
{
    QList<PromptInfo> list;
    const QJsonArray array = json().object().value(QLatin1String("prompts")).toArray();
    for (const QJsonValue &value : array)
        list.append(PromptInfo::fromJson(value.toObject()));
    return list;
}

QString ApiReply::nextCursor() const
{
    // null on the last page, which toString() turns into an empty string.
    return json().object().value(QLatin1String("nextCursor")).toString();
}

PromptInfo ApiReply::prompt() const
{
    return PromptInfo::fromJson(json().object());
}

QByteArray ApiReply::streamToken() const
{
    return json().object().value(QLatin1String("token")).toString().toLatin1();
}

std::chrono::seconds ApiReply::streamTokenLifetime() const
{
    return std::chrono::seconds(
        qint64(json().object().value(QLatin1String("expiresIn")).toDouble()));
}

qint64 ApiReply::eventId() const
{
    return qint64(json().object().value(QLatin1String("id")).toDouble());
}

void ApiReply::cancel()
{
    Q_D(ApiReply);
    d->canceled = true;
    if (d->inFlight)
        d->inFlight->abort();
}

} // namespace Sluice
