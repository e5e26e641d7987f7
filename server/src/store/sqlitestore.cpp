// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/sqlitestore.h"

#include "logging.h"
#include "store/randomid.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <fcntl.h>
#include <unistd.h>

namespace Sluice::Server {

QString SqliteStore::databasePath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("sluice.db"));
}

std::unique_ptr<SqliteStore> SqliteStore::open(const QString &databasePath, QString *error)
{
    // The database holds password hashes and the event logs: readable by its owner only. SQLite
    // gives its -wal and -shm files the database file's mode.
    if (!QFileInfo::exists(databasePath)) {
        const int fd = ::open(QFile::encodeName(databasePath).constData(),
                              O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
    }
    const QString name = QStringLiteral("sluice-store-") + newRandomId();
    std::unique_ptr<SqliteStore> store;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(databasePath);
        store.reset(new SqliteStore(db));
    }
    auto fail = [&](const QString &message) -> std::unique_ptr<SqliteStore> {
        if (error)
            *error = message;
        qCWarning(lcStore).noquote() << "cannot open database" << databasePath << ":" << message;
        return nullptr; // ~SqlStore removes the connection
    };
    QSqlDatabase &db = store->connection();
    if (!db.isValid())
        return fail(QStringLiteral("the QSQLITE driver is not available"));
    if (!db.open())
        return fail(db.lastError().text());
    QSqlQuery wal(db);
    if (!wal.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !wal.next()
        || wal.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
        return fail(QStringLiteral("cannot enable WAL journal mode"));
    wal.finish();
    for (const char *pragma : { "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON",
                                "PRAGMA busy_timeout = 5000" }) {
        QSqlQuery q(db);
        if (!q.exec(QString::fromLatin1(pragma)))
            return fail(QStringLiteral("cannot configure the database"));
    }
    QString migrationError;
    if (!applyMigrations(db, SqlDialect::Sqlite, &migrationError))
        return fail(migrationError);
    return store;
}

SqliteStore::SqliteStore(QSqlDatabase db)
    : SqlStore(std::move(db), SqlDialect::Sqlite)
{ }

} // namespace Sluice::Server
