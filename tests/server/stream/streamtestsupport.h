// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Shared setup of the stream tests: a user with a session and a prompt on a running server, and
// event publishing through the real POST events route.
#pragma once

#include "stream/ssereader.h"
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QJsonObject>
#include <QtTest/QTest>

namespace Sluice::Test {

struct StreamFixture
{
    ServerProcess *server = nullptr;
    std::unique_ptr<HttpClient> http;
    QByteArray token; // access token
    QString sessionId;
    QString promptId;

    // Logs in (adding the user first when `password` is new) and creates a session + prompt.
    bool setUp(ServerProcess &process, const QString &user, const QString &password,
               bool addUser = true)
    {
        server = &process;
        http = std::make_unique<HttpClient>(process.baseUrl());
        if (addUser && !process.addUser(user, password))
            return false;
        token = http->login(user, password);
        if (token.isEmpty())
            return false;
        const auto session = http->postJson(QStringLiteral("/api/claude-code/sessions"),
                                            { { QStringLiteral("title"), QStringLiteral("t") } },
                                            HttpClient::bearer(token));
        sessionId = session.object().value(QStringLiteral("id")).toString();
        return !sessionId.isEmpty() && newPrompt();
    }

    bool newPrompt()
    {
        const auto prompt = http->postJson(
            QStringLiteral("/api/claude-code/sessions/%1/prompts").arg(sessionId),
            { { QStringLiteral("text"), QStringLiteral("hello") } }, HttpClient::bearer(token));
        promptId = prompt.object().value(QStringLiteral("id")).toString();
        return !promptId.isEmpty();
    }

    QString promptPath(const QString &tail) const
    {
        return QStringLiteral("/api/claude-code/sessions/%1/prompts/%2/%3")
            .arg(sessionId, promptId, tail);
    }

    HttpResponse post(const QString &type, const QJsonObject &data = {})
    {
        return http->postJson(
            promptPath(QStringLiteral("events")),
            { { QStringLiteral("type"), type }, { QStringLiteral("data"), data } },
            HttpClient::bearer(token));
    }

    // Publishes one event; its id, or 0 on failure.
    qint64 publish(const QString &type, const QJsonObject &data = {})
    {
        const HttpResponse r = post(type, data);
        return r.status == 201 ? qint64(r.object().value(QStringLiteral("id")).toDouble()) : 0;
    }

    QByteArray bearerHeader() const { return QByteArray("Bearer " + token); }

    // Opens the current prompt's stream on `reader` with the fixture's access token.
    void openStream(SseReader &reader) const
    {
        reader.open(promptPath(QStringLiteral("stream")), { { "Authorization", bearerHeader() } });
    }
};

} // namespace Sluice::Test
