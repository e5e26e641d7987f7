// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PostgresStore: the shared Store backend (PostgreSQL through QtSql's QPSQL driver), for several
// sluice-server instances on one database.
//
// The queries are SqlStore's (PostgreSQL dialect: row locks keep per-prompt sequence numbers
// gap-free and quotas exact across instances). A connection the server dropped (restart,
// failover) is reopened before the next statement outside a transaction: the write that met the
// drop fails (Failed, 503) and is rolled back by the server, the next one succeeds.
// Threading: one connection per instance, usable only from the thread that opened it.
#pragma once

#include "store/postgreslocation.h"
#include "store/sqlstore.h"

#include <memory>

namespace Sluice::Server {

class PostgresStore final : public SqlStore
{
public:
    // Connects and applies pending migrations (serialised across instances).
    static std::unique_ptr<PostgresStore> open(const PostgresLocation &location,
                                               QString *error = nullptr);
    // The QPSQL driver plugin is installed (Debian: libqt6sql6-psql).
    static bool driverAvailable();

private:
    explicit PostgresStore(QSqlDatabase db);
    void ensureConnected() override;
    bool configureSession();
};

} // namespace Sluice::Server
