// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "config/configvalues.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QUrl>

namespace Sluice::Server::ConfigValues {

using namespace std::chrono_literals;

std::optional<std::chrono::milliseconds> parseDuration(const QString &text, QString *error)
{
    static const QRegularExpression re(QStringLiteral("^\\s*(\\d{1,9})\\s*(ms|s|m|h|d)?\\s*$"),
                                       QRegularExpression::CaseInsensitiveOption);
    const auto match = re.match(text);
    if (!match.hasMatch()) {
        *error = QStringLiteral("\"%1\" is not a duration (use e.g. 90, 90s, 1500ms, 15m, 2h, 30d)")
                     .arg(text);
        return std::nullopt;
    }
    const qint64 number = match.captured(1).toLongLong();
    const QString unit = match.captured(2).toLower();
    if (unit == u"ms")
        return std::chrono::milliseconds(number);
    if (unit == u"m")
        return std::chrono::milliseconds(number * 60'000);
    if (unit == u"h")
        return std::chrono::milliseconds(number * 3'600'000);
    if (unit == u"d")
        return std::chrono::milliseconds(number * 86'400'000);
    return std::chrono::milliseconds(number * 1000);
}

std::optional<bool> parseBool(const QString &text, QString *error)
{
    const QString t = text.trimmed().toLower();
    if (t == u"1" || t == u"true" || t == u"yes" || t == u"on")
        return true;
    if (t == u"0" || t == u"false" || t == u"no" || t == u"off")
        return false;
    *error = QStringLiteral("\"%1\" is not a boolean (use on/off, true/false, 1/0)").arg(text);
    return std::nullopt;
}

std::optional<qint64> parseInteger(const QString &text, qint64 min, qint64 max, QString *error)
{
    bool ok = false;
    const qint64 value = text.trimmed().toLongLong(&ok);
    if (!ok) {
        *error = QStringLiteral("\"%1\" is not an integer").arg(text);
        return std::nullopt;
    }
    if (value < min || value > max) {
        *error = QStringLiteral("%1 is out of range [%2, %3]").arg(value).arg(min).arg(max);
        return std::nullopt;
    }
    return value;
}

std::optional<QString> parseOrigin(const QString &text, QString *error)
{
    const QString origin = text.trimmed();
    if (origin == u"*") {
        *error = QStringLiteral("\"*\" is not allowed: credentials are always on, so every allowed "
                                "origin must be listed exactly (e.g. https://app.example.com)");
        return std::nullopt;
    }
    if (origin.compare(u"null", Qt::CaseInsensitive) == 0) {
        *error = QStringLiteral("\"null\" is not an allowable origin");
        return std::nullopt;
    }
    static const QRegularExpression shape(QStringLiteral("^(https?)://([^/?#@\\s]+)$"),
                                          QRegularExpression::CaseInsensitiveOption);
    if (!shape.match(origin).hasMatch()) {
        if (origin.endsWith(u'/')) {
            *error = QStringLiteral("origin \"%1\" must not end with a slash (write it as \"%2\")")
                         .arg(origin, origin.chopped(1));
        } else {
            *error = QStringLiteral("origin \"%1\" must be exactly scheme://host[:port] "
                                    "(http or https; no path, query, fragment or user info)")
                         .arg(origin);
        }
        return std::nullopt;
    }
    const QUrl url(origin, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        *error = QStringLiteral("origin \"%1\" is not a valid URL origin").arg(origin);
        return std::nullopt;
    }
    QString normalized = url.scheme().toLower() + u"://" + url.host(QUrl::FullyEncoded).toLower();
    if (url.host().contains(u':')) // IPv6 literal
        normalized = url.scheme().toLower() + u"://[" + url.host().toLower() + u']';
    if (url.port() != -1)
        normalized += u':' + QString::number(url.port());
    return normalized;
}

std::optional<QStringList> parseOriginList(const QString &text, QString *error)
{
    QStringList origins;
    const QStringList parts = text.split(u',', Qt::SkipEmptyParts);
    for (const QString &part : parts) {
        if (part.trimmed().isEmpty())
            continue;
        const auto origin = parseOrigin(part, error);
        if (!origin)
            return std::nullopt;
        if (!origins.contains(*origin))
            origins.append(*origin);
    }
    return origins;
}

} // namespace Sluice::Server::ConfigValues
