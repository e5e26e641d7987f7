// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Parsing and validation of single configuration values. Each function returns the value, or
// std::nullopt with a short, secret-free explanation in *error.
#pragma once

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <chrono>
#include <optional>

namespace Sluice::Server::ConfigValues {

// "90" (seconds), "90s", "1500ms", "15m", "2h", "30d".
std::optional<std::chrono::milliseconds> parseDuration(const QString &text, QString *error);
// 1/true/yes/on and 0/false/no/off, case-insensitive.
std::optional<bool> parseBool(const QString &text, QString *error);
std::optional<qint64> parseInteger(const QString &text, qint64 min, qint64 max, QString *error);
// Validates one CORS origin: "http(s)://host[:port]", nothing else. Returns it with scheme and host
// lower-cased (browsers serialise origins that way).
std::optional<QString> parseOrigin(const QString &text, QString *error);
// Comma-separated list of origins; empty entries are ignored; duplicates removed.
std::optional<QStringList> parseOriginList(const QString &text, QString *error);

} // namespace Sluice::Server::ConfigValues
