// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/storeopener.h"

#include "store/postgreslocation.h"
#include "store/sqlitestore.h"
#ifdef SLUICE_HAVE_POSTGRES
#include "store/postgresstore.h"
#endif

namespace Sluice::Server {

std::unique_ptr<Store> openStore(const StoreLocation &location, QString *error)
{
    if (location.databaseUrl.isEmpty())
        return SqliteStore::open(SqliteStore::databasePath(location.dataDir), error);
    std::optional<PostgresLocation> where = PostgresLocation::fromUrl(location.databaseUrl, error);
    if (!where)
        return nullptr;
    where->password = QString::fromUtf8(location.databasePassword);
#ifdef SLUICE_HAVE_POSTGRES
    return PostgresStore::open(*where, error);
#else
    if (error)
        *error = QStringLiteral("this sluice-server was built without PostgreSQL support");
    return nullptr;
#endif
}

QString describeStore(const StoreLocation &location)
{
    if (location.databaseUrl.isEmpty())
        return SqliteStore::databasePath(location.dataDir);
    const auto where = PostgresLocation::fromUrl(location.databaseUrl, nullptr);
    return where ? where->display() : QStringLiteral("the database");
}

} // namespace Sluice::Server
