// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <Sluice/PromptStream.h>

#include <chrono>
#include <optional>

namespace SluiceStream {

// Everything the command line says about one run of sluice-stream. Plain data: parsing lives in
// parseArguments(), behaviour in StreamRunner. Two forms share it: the URL form (`url`, method,
// body, headers) follows any SSE URL with Sluice::EventSource; the server form (`serverUrl` set)
// signs in to a Sluice server and follows one prompt with Sluice::PromptStream. The options
// after `lastEventId` configure the stream in both forms.
struct StreamOptions
{
    // --- URL form ---
    QUrl url;
    QByteArray method = QByteArrayLiteral("GET");
    std::optional<QByteArray> body;
    QByteArray contentType; // for the body, unless a -H Content-Type overrides it
    QList<QPair<QByteArray, QByteArray>> headers;

    // --- server form (--server) ---
    QUrl serverUrl; // empty: URL form
    QString userName;
    bool passwordStdin = false; // the password is the first line of stdin (read when needed)
    bool keychain = false; // restore from the OS keychain first (and remember a new sign-in)
    QString sessionId; // --session: the prompt's session, or where --new-prompt creates it
    QString promptId; // --prompt: follow this prompt
    std::optional<QString> newPromptText; // --new-prompt: create a prompt, then follow it
    Sluice::PromptStream::Mode mode = Sluice::PromptStream::Mode::StreamToken;

    bool isServerForm() const { return !serverUrl.isEmpty(); }

    // --- both forms ---
    QString lastEventId;

    bool json = false;
    bool verbose = false;
    bool quiet = false;
    bool reconnect = true;

    std::optional<qint64> maxEvents;
    std::optional<std::chrono::milliseconds> timeout;
    std::optional<std::chrono::milliseconds> readTimeout;
    std::optional<std::chrono::milliseconds> retryInitial;
    std::optional<std::chrono::milliseconds> retryMax;
    std::optional<std::chrono::milliseconds> retryBudget;
    std::optional<int> maxRetries;
    std::optional<int> maxRedirects;
    std::optional<qsizetype> maxLineBytes;
    std::optional<qsizetype> maxEventBytes;
};

struct ParseResult
{
    enum class Action { Run, ShowHelp, ShowVersion, Error };
    Action action = Action::Error;
    StreamOptions options;
    QString errorText; // Action::Error: one line, without the program name
    QString helpText; // always filled: the --help text, exit codes included
};

// Parses `arguments` (arguments[0] is the program name). Reads `--data @file` (and `@-`, stdin);
// never reads the password of --password-stdin (StreamRunner asks for it when it is needed).
ParseResult parseArguments(const QStringList &arguments);

// "token" / "header" / "cookie" -> the PromptStream mode; nullopt for anything else.
std::optional<Sluice::PromptStream::Mode> parseMode(const QString &text);

// "Name: value" -> (Name, value); nullopt when the name is not an HTTP token or the value holds
// CR, LF or NUL.
std::optional<QPair<QByteArray, QByteArray>> parseHeader(const QString &text);

// "1.5" -> 1500 ms. nullopt unless a finite number >= 0 (> 0 when !allowZero).
std::optional<std::chrono::milliseconds> parseSeconds(const QString &text, bool allowZero);

} // namespace SluiceStream
