// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/lasteventid.h"

#include <QtCore/QUrlQuery>
#include <QtHttpServer/QHttpServerRequest>

namespace Sluice::Server {

namespace {
std::variant<qint64, InvalidLastEventId> parse(const QByteArray &text)
{
    if (text.isEmpty() || text.size() > 18)
        return InvalidLastEventId {};
    for (const char c : text) {
        if (c < '0' || c > '9')
            return InvalidLastEventId {};
    }
    return text.toLongLong();
}
} // namespace

std::variant<qint64, InvalidLastEventId> lastEventId(const QHttpServerRequest &request)
{
    QList<QByteArray> values;
    for (const auto &header : request.headers()) {
        if (header.first.compare("last-event-id", Qt::CaseInsensitive) == 0)
            values.append(header.second);
    }
    if (values.size() > 1)
        return InvalidLastEventId {};
    if (values.size() == 1 && !values.constFirst().trimmed().isEmpty())
        return parse(values.constFirst().trimmed());

    const QUrlQuery query(request.url());
    const QList<QString> ids
        = query.allQueryItemValues(QStringLiteral("last_event_id"), QUrl::FullyDecoded);
    if (ids.size() > 1)
        return InvalidLastEventId {};
    if (ids.size() == 1)
        return parse(ids.constFirst().toUtf8());
    return qint64(0);
}

} // namespace Sluice::Server
