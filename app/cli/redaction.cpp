// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "redaction.h"

#include <QtCore/QUrlQuery>

#include <array>

namespace SluiceStream {

bool isSensitiveQueryName(const QString &name)
{
    static const std::array<QLatin1String, 8> needles = {
        QLatin1String("token"),    QLatin1String("key"),     QLatin1String("secret"),
        QLatin1String("password"), QLatin1String("auth"),    QLatin1String("sig"),
        QLatin1String("code"),     QLatin1String("session"),
    };
    for (const QLatin1String needle : needles) {
        if (name.contains(needle, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

QString redactedUrl(const QUrl &url)
{
    QUrl copy = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveFragment);
    if (copy.hasQuery()) {
        QUrlQuery query(copy);
        auto items = query.queryItems(QUrl::FullyEncoded);
        for (auto &item : items) {
            if (isSensitiveQueryName(QUrl::fromPercentEncoding(item.first.toUtf8())))
                item.second = QStringLiteral("REDACTED");
        }
        query.setQueryItems(items);
        copy.setQuery(query);
    }
    return copy.toDisplayString(QUrl::FullyEncoded);
}

} // namespace SluiceStream
