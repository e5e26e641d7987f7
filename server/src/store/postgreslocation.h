// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PostgresLocation: the --database URL of the PostgreSQL store, parsed and checked (no libpq
// needed, so the configuration can refuse a bad URL in any build).
#pragma once

#include <QtCore/QString>

#include <optional>

namespace Sluice::Server {

// Where the database is: postgresql://user@host:port/dbname. The password never comes from the
// URL (command lines are visible to every local user): it is set from a file or the environment.
struct PostgresLocation
{
    QString host;
    int port = 5432;
    QString user;
    QString database;
    QString password;

    // Parses the URL; refuses one that carries a password, another scheme or no database.
    static std::optional<PostgresLocation> fromUrl(const QString &url, QString *error);
    // The URL without a password, for logs.
    QString display() const;
};

} // namespace Sluice::Server
