// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// One JSON request to the Sluice server, and the one place where a failed answer becomes a
// Sluice::Error. Used by AuthSession (login, refresh, logout) and ApiClient.

#include <Sluice/Error.h>
#include <Sluice/Response.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QPointer>
#include <QtNetwork/QNetworkRequest>

#include <chrono>
#include <functional>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
class QNetworkReply;
QT_END_NAMESPACE

namespace Sluice::JsonCall {

struct Result
{
    Response response; // invalid when no response arrived
    QJsonDocument json; // the body, when it is JSON (success or error)
    Error error; // NoError for 2xx
    bool ok() const { return !error.isError(); }
};

using Callback = std::function<void(const Result &result)>;

// A request for `path` below `server` (its own path is kept as a prefix), JSON accepted, the
// HTTP cache and redirects off. A query in `path` ("/x?limit=2") becomes the URL's query; the
// server URL's own query is dropped.
QNetworkRequest makeRequest(const QUrl &server, const QString &path);

// Sends the request (`body` as application/json when not null) and calls `done` exactly once on
// `context`'s thread, unless `context` is destroyed first (the request is then aborted). Returns
// the reply so that the caller can abort() it (`done` then gets an error of kind Canceled).
QNetworkReply *send(QNetworkAccessManager *nam, const QNetworkRequest &request,
                    const QByteArray &method, const QJsonDocument &body,
                    std::chrono::milliseconds timeout, QObject *context, Callback done);

// The error for an answer that is not 2xx, or for no answer at all. `what` names the operation
// for messages ("POST /api/auth/login"). `tlsHandshakeUnfinished`: an https request failed before
// its connection was encrypted.
Error errorFor(const QString &what, const Response &response, int networkError,
               const QString &networkErrorText, bool timedOut, bool tlsHandshakeUnfinished);

// The path of a prompt below the server: /api/claude-code/sessions/{sid}/prompts/{pid}.
QString promptPath(const QString &sessionId, const QString &promptId);

} // namespace Sluice::JsonCall
