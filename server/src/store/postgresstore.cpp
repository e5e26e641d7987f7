// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/postgresstore.h"

#include "logging.h"
#include "store/randomid.h"

#include <QtCore/QVariant>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <libpq-fe.h>

namespace Sluice::Server {

namespace {

const QString driverName = QStringLiteral("QPSQL");

} // namespace

bool PostgresStore::driverAvailable()
{
    return QSqlDatabase::isDriverAvailable(driverName);
}

std::unique_ptr<PostgresStore> PostgresStore::open(const PostgresLocation &location, QString *error)
{
    auto fail = [&](const QString &message) -> std::unique_ptr<PostgresStore> {
        if (error)
            *error = message;
        qCWarning(lcStore).noquote()
            << "cannot open database" << location.display() << ":" << message;
        return nullptr; // ~SqlStore removes the connection
    };
    if (!driverAvailable())
        return fail(QStringLiteral("the QPSQL driver is not available (Debian: libqt6sql6-psql)"));
    std::unique_ptr<PostgresStore> store;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(
            driverName, QStringLiteral("sluice-store-") + newRandomId());
        db.setHostName(location.host);
        db.setPort(location.port);
        db.setUserName(location.user);
        db.setPassword(location.password);
        db.setDatabaseName(location.database);
        // A dead server must fail a request in bounded time, not hang the event loop.
        db.setConnectOptions(QStringLiteral("connect_timeout=5"));
        store.reset(new PostgresStore(db));
    }
    QSqlDatabase &db = store->connection();
    if (!db.open())
        return fail(db.lastError().text());
    if (!store->configureSession())
        return fail(QStringLiteral("cannot configure the database session"));
    QString migrationError;
    if (!applyMigrations(db, SqlDialect::Postgres, &migrationError))
        return fail(migrationError);
    return store;
}

PostgresStore::PostgresStore(QSqlDatabase db)
    : SqlStore(std::move(db), SqlDialect::Postgres)
{ }

bool PostgresStore::configureSession()
{
    // lock_timeout: like SQLite's busy_timeout, a write waiting on another instance's row lock
    // gives up (Failed, 503) instead of blocking the event loop for ever. client_min_messages:
    // libpq would print NOTICEs (CREATE ... IF NOT EXISTS) on stderr.
    for (const char *setting : { "SET lock_timeout = 5000", "SET client_min_messages = warning",
                                 "SET TIME ZONE 'UTC'" }) {
        QSqlQuery q(connection());
        if (!q.exec(QString::fromLatin1(setting))) {
            qCWarning(lcStore) << "query failed:" << q.lastError().text();
            return false;
        }
    }
    return true;
}

// QPSQL's isOpen() is libpq's PQstatus: false both for a connection the server dropped and for
// one closed here (a reconnection that failed), which only the handle tells apart.
PostgresStore::Connection PostgresStore::connectionState()
{
    const QVariant handle = connection().driver()->handle();
    auto *conn = handle.isValid() ? *static_cast<PGconn *const *>(handle.constData()) : nullptr;
    if (!conn)
        return Connection::Closed;
    // libpq marks the connection bad when a statement met a closed socket (server restart):
    // checking costs no round trip.
    return PQstatus(conn) == CONNECTION_OK ? Connection::Alive : Connection::Lost;
}

bool PostgresStore::reopen()
{
    QSqlDatabase &db = connection();
    // Closed or lost, the connection takes its prepared statements with it.
    forgetPreparedStatements(connectionState() == Connection::Alive ? ConnectionState::Alive
                                                                    : ConnectionState::Lost);
    db.close();
    if (!db.open() || !configureSession()) {
        // The statement about to run fails on the closed connection: that request gets a 503,
        // the next one tries again.
        qCWarning(lcStore) << "cannot reconnect to the database:" << db.lastError().text();
        db.close();
        return false;
    }
    qCInfo(lcStore, "database connection restored");
    return true;
}

void PostgresStore::ensureConnected()
{
    switch (connectionState()) {
    case Connection::Alive:
        return;
    case Connection::Lost:
        qCWarning(lcStore, "database connection lost: reconnecting");
        break;
    case Connection::Closed:
        break;
    }
    reopen();
}

bool PostgresStore::reopenLostConnection(const QSqlError &error)
{
    // Closed: ensureConnected() could not reopen it just now, and trying again at once would only
    // double the wait of a request while the database is down. Alive: the statement failed on
    // its own (a constraint, a lock timeout) — unless the server said it is ending the session:
    // a restart answers the next statement with "terminating connection due to administrator
    // command" (SQLSTATE 57P01; class 57P: operator intervention), and libpq reads that answer
    // without marking the connection bad yet. Class 08 is a connection exception.
    const QString state = error.nativeErrorCode();
    const bool serverEnded = state.startsWith(u"57P") || state.startsWith(u"08");
    const Connection connection = connectionState();
    if (connection == Connection::Closed || (connection == Connection::Alive && !serverEnded))
        return false;
    qCWarning(lcStore, "database connection lost: reconnecting");
    return reopen();
}

} // namespace Sluice::Server
