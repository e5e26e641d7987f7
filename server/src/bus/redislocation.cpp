// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "bus/redislocation.h"

#include <QtCore/QUrl>

namespace Sluice::Server {

std::optional<RedisLocation> RedisLocation::fromUrl(const QString &url, QString *error)
{
    const QUrl parsed(url, QUrl::StrictMode);
    if (!parsed.isValid() || parsed.scheme() != QLatin1String("redis") || parsed.host().isEmpty()
        || !parsed.password().isEmpty() || parsed.port() == 0) {
        if (error)
            *error = QStringLiteral("--redis takes redis://host:port");
        return std::nullopt;
    }
    return RedisLocation { parsed.host(), quint16(parsed.port(6379)) };
}

QString RedisLocation::display() const
{
    return QStringLiteral("redis://%1:%2").arg(host, QString::number(port));
}

} // namespace Sluice::Server
