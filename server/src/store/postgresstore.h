// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PostgresStore: the shared Store backend (PostgreSQL through QtSql's QPSQL driver), for several
// sluice-server instances on one database.
//
// The queries are SqlStore's (PostgreSQL dialect: row locks keep per-prompt sequence numbers
// gap-free and quotas exact across instances). A connection the server dropped (restart,
// failover) is reopened when a statement outside a transaction meets it, and that statement runs
// again where that is safe (the rule is at SqlStore::runAgain): the first request after a
// database restart succeeds. Inside a transaction the request fails (Failed, 503) and the server
// rolls it back; the next one runs on a new connection.
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
    bool reopenLostConnection(const QSqlError &error) override;
    enum class Connection { Alive, Lost, Closed };
    Connection connectionState();
    bool reopen();
    bool configureSession();
};

} // namespace Sluice::Server
