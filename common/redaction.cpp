// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "common/redaction.h"

#include <QtCore/QStringList>

#include <array>

namespace Sluice::Common {

namespace {

// The query of `url` (fully encoded) with every sensitive value replaced.
QString redactedQuery(const QUrl &url)
{
    QStringList parts = url.query(QUrl::FullyEncoded).split(u'&');
    for (QString &part : parts) {
        const qsizetype eq = part.indexOf(u'=');
        const QString name = eq < 0 ? part : part.left(eq);
        if (isSensitiveQueryName(QUrl::fromPercentEncoding(name.toUtf8())))
            part = name + u'=' + QLatin1String(redactedMarker);
    }
    return parts.join(u'&');
}

} // namespace

bool isSensitiveQueryName(QStringView name)
{
    static const std::array<QLatin1String, 10> needles = {
        QLatin1String("token"),  QLatin1String("key"),      QLatin1String("secret"),
        QLatin1String("passwd"), QLatin1String("password"), QLatin1String("auth"),
        QLatin1String("sig"),    QLatin1String("code"),     QLatin1String("session"),
        QLatin1String("jwt"),
    };
    for (const QLatin1String needle : needles) {
        if (name.contains(needle, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

QString redactedUrl(const QUrl &url)
{
    QUrl copy = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveFragment | QUrl::RemoveQuery);
    QString text = copy.toString(QUrl::FullyEncoded);
    if (url.hasQuery())
        text += u'?' + redactedQuery(url);
    return text;
}

QString redactedTarget(const QUrl &url)
{
    QString target = url.path(QUrl::FullyEncoded);
    if (target.isEmpty())
        target = QStringLiteral("/");
    if (url.hasQuery())
        target += u'?' + redactedQuery(url);
    return target;
}

} // namespace Sluice::Common
