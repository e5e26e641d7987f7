// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <chrono>
#include <optional>

namespace SluiceStream {

// Everything the command line says about one run of sluice-stream. Plain data: parsing lives in
// parseArguments(), behaviour in StreamRunner. (Auth modes — login, stream token, cookie — will
// add their own fields here and a request hook in StreamRunner.)
struct StreamOptions
{
    QUrl url;
    QByteArray method = QByteArrayLiteral("GET");
    std::optional<QByteArray> body;
    QByteArray contentType; // for the body, unless a -H Content-Type overrides it
    QList<QPair<QByteArray, QByteArray>> headers;
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

// Parses `arguments` (arguments[0] is the program name). Reads `--data @file` (and `@-`, stdin).
ParseResult parseArguments(const QStringList &arguments);

// "Name: value" -> (Name, value); nullopt when the name is not an HTTP token or the value holds
// CR, LF or NUL.
std::optional<QPair<QByteArray, QByteArray>> parseHeader(const QString &text);

// "1.5" -> 1500 ms. nullopt unless a finite number >= 0 (> 0 when !allowZero).
std::optional<std::chrono::milliseconds> parseSeconds(const QString &text, bool allowZero);

} // namespace SluiceStream
