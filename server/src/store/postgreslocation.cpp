// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/postgreslocation.h"

#include <QtCore/QUrl>

namespace Sluice::Server {

std::optional<PostgresLocation> PostgresLocation::fromUrl(const QString &url, QString *error)
{
    const QUrl parsed(url, QUrl::StrictMode);
    auto fail = [error](const QString &message) -> std::optional<PostgresLocation> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (!parsed.isValid()
        || (parsed.scheme() != QLatin1String("postgresql")
            && parsed.scheme() != QLatin1String("postgres")))
        return fail(QStringLiteral("--database takes postgresql://user@host:port/database"));
    if (!parsed.password().isEmpty())
        return fail(QStringLiteral("the database password does not go in the URL (command lines "
                                   "are readable by every local user): use "
                                   "SLUICE_DATABASE_PASSWORD or --database-password-file"));
    PostgresLocation location;
    location.host = parsed.host();
    location.port = parsed.port(5432);
    location.user = parsed.userName();
    location.database = parsed.path().mid(1);
    if (location.host.isEmpty() || location.database.isEmpty() || location.database.contains(u'/'))
        return fail(QStringLiteral("--database needs a host and a database name: "
                                   "postgresql://user@host:port/database"));
    return location;
}

QString PostgresLocation::display() const
{
    return QStringLiteral("postgresql://%1@%2:%3/%4")
        .arg(user, host, QString::number(port), database);
}

} // namespace Sluice::Server
