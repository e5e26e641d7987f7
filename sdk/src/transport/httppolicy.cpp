// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "transport/httppolicy_p.h"

#include <QtCore/QLocale>
#include <QtCore/QTimeZone>

#include <algorithm>

namespace Sluice::HttpPolicy {

using std::chrono::milliseconds;

StatusAction actionForStatus(int status)
{
    switch (status) {
    case 200:
        return StatusAction::Open;
    case 204:
        return StatusAction::CloseForGood;
    case 301:
    case 302:
    case 303:
    case 307:
    case 308:
        return StatusAction::Redirect;
    case 401:
    case 403:
        return StatusAction::AuthFailure;
    case 408:
    case 429:
        return StatusAction::Retry;
    default:
        return status >= 500 && status <= 599 ? StatusAction::Retry : StatusAction::Fail;
    }
}

bool isEventStream(const QByteArray &contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArray mime = (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed();
    return mime.compare("text/event-stream", Qt::CaseInsensitive) == 0;
}

std::optional<milliseconds> parseRetryAfter(const QByteArray &value, const QDateTime &now)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    if (std::all_of(trimmed.cbegin(), trimmed.cend(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
        // Saturate instead of overflowing on absurd values; callers cap the result anyway.
        constexpr qint64 maxSeconds = qint64(1) << 40;
        bool ok = false;
        qint64 seconds = trimmed.size() > 12 ? maxSeconds : trimmed.toLongLong(&ok);
        if (trimmed.size() <= 12 && !ok)
            return std::nullopt;
        seconds = std::min(seconds, maxSeconds);
        return milliseconds(seconds * 1000);
    }
    // The weekday is redundant, and Qt rejects a weekday that does not match the date (which a
    // two-digit RFC 850 year parsed into the 1900s would not): drop it before parsing.
    QString text = QString::fromLatin1(trimmed).simplified();
    const qsizetype space = text.indexOf(u' ');
    if (space > 0 && text.at(0).isLetter() && (text.at(space - 1) == u',' || text.size() > 20))
        text = text.mid(space + 1);
    const QLocale c = QLocale::c();
    QDateTime date;
    for (const QString &format :
         { QStringLiteral("dd MMM yyyy HH:mm:ss 'GMT'"), QStringLiteral("dd-MMM-yy HH:mm:ss 'GMT'"),
           QStringLiteral("MMM d HH:mm:ss yyyy") }) {
        date = c.toDateTime(text, format);
        if (date.isValid())
            break;
    }
    if (!date.isValid())
        return std::nullopt;
    date = QDateTime(date.date(), date.time(), QTimeZone::utc());
    if (date.date().year() < 1970) // two-digit years of RFC 850 dates
        date = date.addYears(100);
    return milliseconds(std::max<qint64>(0, now.msecsTo(date)));
}

QByteArray methodAfterRedirect(int status, const QByteArray &method, bool *keepsBody)
{
    const QByteArray upper = method.toUpper();
    bool keep = true;
    QByteArray next = method;
    if ((status == 303 && upper != "HEAD")
        || ((status == 301 || status == 302) && upper == "POST")) {
        next = QByteArrayLiteral("GET");
        keep = false;
    }
    if (keepsBody)
        *keepsBody = keep;
    return next;
}

QString serializeOrigin(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty())
        return QStringLiteral("null");
    const QString scheme = url.scheme().toLower();
    int port = url.port();
    if ((scheme == u"http" && port == 80) || (scheme == u"https" && port == 443))
        port = -1;
    QUrl origin;
    origin.setScheme(scheme);
    origin.setHost(url.host());
    origin.setPort(port);
    return origin.toString(QUrl::FullyEncoded);
}

bool sameOrigin(const QUrl &a, const QUrl &b)
{
    return serializeOrigin(a) == serializeOrigin(b);
}

} // namespace Sluice::HttpPolicy
