// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/ApiClient.h>
#include <Sluice/AuthSession.h>

#include "api/jsoncall_p.h"
#include "core/job_p.h"

#include <QtCore/QPointer>

QT_BEGIN_NAMESPACE
class QNetworkReply;
QT_END_NAMESPACE

namespace Sluice {

class ApiReplyPrivate : public JobPrivate
{
public:
    ApiReply::Operation operation = ApiReply::Operation::Custom;
    JsonCall::Result result;
    QPointer<QNetworkReply> inFlight;
    bool canceled = false;
};

class ApiClientPrivate
{
public:
    QPointer<AuthSession> session;
    std::chrono::milliseconds requestTimeout { 30000 };

    ApiReply *start(ApiClient *q, ApiReply::Operation operation, const QByteArray &method,
                    const QString &path, const QJsonDocument &body, const QString &what);
    // Waits for a valid access token, sends, and on a 401 refreshes once and sends again.
    void attempt(ApiReply *reply, const QByteArray &method, const QString &path,
                 const QJsonDocument &body, const QString &what, bool retried);
    static void complete(ApiReply *reply, const JsonCall::Result &result);
};

} // namespace Sluice
