// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Response.h>

QT_BEGIN_NAMESPACE
class QNetworkReply;
QT_END_NAMESPACE

namespace Sluice {

// The library's way to make a Response from a QNetworkReply's head.
class ResponseBuilder
{
public:
    // Status, reason phrase, URL and headers of `reply` (its head must have arrived).
    static Response fromReply(const QNetworkReply &reply);
    // A copy of `response` with `body` (truncated to Response::MaxBodyBytes).
    static Response withBody(const Response &response, const QByteArray &body, bool truncated);
    static Response make(int status, const QList<QPair<QByteArray, QByteArray>> &headers,
                         const QByteArray &body = {}, const QUrl &url = {});
};

} // namespace Sluice
