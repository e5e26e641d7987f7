// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// SqliteStore: migrations, durability settings, users, sessions, prompts, refresh token families
// (atomic rotation, reuse revocation) and the per-prompt event log.
// Built twice: tst_sqlitestore, and tst_postgresstore (SLUICE_TEST_POSTGRES) running the same
// cases against PostgresStore on a private PostgreSQL server — both backends share SqlStore's
// queries and must keep the same semantics.
#include "store/migrations.h"
#include "store/sqlitestore.h"
#ifdef SLUICE_TEST_POSTGRES
#include "store/postgresstore.h"
#include "support/postgresserver.h"
#endif

#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <algorithm>
#include <thread>

using namespace Sluice::Server;

namespace {

QByteArray hashOf(char c)
{
    return QByteArray(32, c);
}

#ifdef SLUICE_TEST_POSTGRES
constexpr bool postgres = true;
Sluice::Test::PostgresServer *server = nullptr;

PostgresLocation location()
{
    PostgresLocation where = *PostgresLocation::fromUrl(server->url(), nullptr);
    where.password = Sluice::Test::PostgresServer::password();
    return where;
}
#else
constexpr bool postgres = false;
#endif

// A second, independent connection to inspect the database like another process would.
class RawConnection
{
public:
    explicit RawConnection(const QString &path)
        : m_name(QStringLiteral("raw-") + QString::number(++s_counter))
    {
#ifdef SLUICE_TEST_POSTGRES
        Q_UNUSED(path);
        const PostgresLocation where = location();
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
        db.setHostName(where.host);
        db.setPort(where.port);
        db.setUserName(where.user);
        db.setPassword(where.password);
        db.setDatabaseName(where.database);
#else
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
#endif
        db.open();
        if (postgres)
            exec(QStringLiteral("SET client_min_messages = warning"));
    }
    ~RawConnection()
    {
        QSqlDatabase::removeDatabase(m_name);
    }
    QVariant scalar(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(m_name));
        if (!q.exec(sql) || !q.next())
            return {};
        return q.value(0);
    }
    bool exec(const QString &sql)
    {
        return QSqlQuery(QSqlDatabase::database(m_name)).exec(sql);
    }
    // A trigger raising an error BEFORE `event` ON `table` WHEN `condition`, as a full disk or an
    // I/O error would fail the statement.
    bool injectFailure(const QString &name, const QString &event, const QString &table,
                       const QString &condition)
    {
        if (!postgres) {
            return exec(QStringLiteral("CREATE TRIGGER %1 BEFORE %2 ON %3 WHEN %4 BEGIN SELECT "
                                       "RAISE(ABORT, 'injected failure'); END")
                            .arg(name, event, table, condition));
        }
        return exec(QStringLiteral("CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger "
                                   "AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ "
                                   "LANGUAGE plpgsql"))
            && exec(QStringLiteral("CREATE TRIGGER %1 BEFORE %2 ON %3 FOR EACH ROW WHEN (%4) "
                                   "EXECUTE FUNCTION injected_failure()")
                        .arg(name, event, table, condition));
    }
    bool removeFailure(const QString &name, const QString &table)
    {
        return exec(postgres ? QStringLiteral("DROP TRIGGER %1 ON %2").arg(name, table)
                             : QStringLiteral("DROP TRIGGER %1").arg(name));
    }

private:
    static inline int s_counter = 0;
    QString m_name;
};

} // namespace

class TestSqliteStore : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    std::unique_ptr<SqlStore> m_store;

    std::unique_ptr<SqlStore> openStore(QString *error = nullptr)
    {
#ifdef SLUICE_TEST_POSTGRES
        return PostgresStore::open(location(), error);
#else
        return SqliteStore::open(m_path, error);
#endif
    }

    QString makeUser(const QString &name)
    {
        const auto user = m_store->createUser(name, "$scrypt$test");
        return user ? user->id : QString();
    }

private Q_SLOTS:
#ifdef SLUICE_TEST_POSTGRES
    void initTestCase()
    {
        // CI installs PostgreSQL (scripts/dev setup): a missing piece fails, never skips.
        QVERIFY2(PostgresStore::driverAvailable(), "QPSQL driver missing: libqt6sql6-psql");
        server = new Sluice::Test::PostgresServer;
        QVERIFY2(server->start(), qPrintable(server->errorString()));
    }
    void cleanupTestCase()
    {
        delete server; // stops it
        server = nullptr;
    }
#endif
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_path = SqliteStore::databasePath(m_dir->path());
        if (postgres) {
            // Every case starts on an empty database, as with a new SQLite file.
            RawConnection raw(m_path);
            QVERIFY(raw.exec(QStringLiteral("DROP SCHEMA public CASCADE")));
            QVERIFY(raw.exec(QStringLiteral("CREATE SCHEMA public")));
        }
        QString error;
        m_store = openStore(&error);
        QVERIFY2(m_store, qPrintable(error));
    }
    void cleanup()
    {
        m_store.reset();
        m_dir.reset();
    }

    void migratesAndConfigures()
    {
        QCOMPARE(m_store->schemaVersion(), currentSchemaVersion());
        QVERIFY(currentSchemaVersion() >= 1);
        RawConnection raw(m_path);
        if (!postgres) {
            QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(),
                     QStringLiteral("wal"));
        }
        const QString tables = postgres
            ? QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE "
                             "table_schema = 'public' AND table_name = '%1'")
            : QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%1'");
        for (const char *table :
             { "users", "refresh_tokens", "sessions", "prompts", "events", "stream_token_uses" })
            QCOMPARE(raw.scalar(tables.arg(QLatin1String(table))).toInt(), 1);
    }

    void migrationsAreIdempotentAndReopenKeepsData()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const auto session = m_store->createSession(alice, QStringLiteral("first"));
        QVERIFY(session);
        const auto prompt = m_store->createPrompt(session->id, QStringLiteral("hello"));
        QVERIFY(prompt);
        QCOMPARE(*m_store->appendEvent(prompt->id, QStringLiteral("message"), R"({"text":"a"})"),
                 1);
        m_store.reset();
        for (int i = 0; i < 2; ++i) {
            QString error;
            m_store = openStore(&error);
            QVERIFY2(m_store, qPrintable(error));
            QCOMPARE(m_store->schemaVersion(), currentSchemaVersion());
            QCOMPARE(m_store->userByName(QStringLiteral("alice"))->id, alice);
            QCOMPARE(m_store->session(session->id)->title, QStringLiteral("first"));
            QCOMPARE(m_store->prompt(prompt->id)->text, QStringLiteral("hello"));
            QCOMPARE(m_store->eventsAfter(prompt->id, 0, 10).size(), 1);
            m_store.reset();
        }
        m_store = openStore();
        // The sequence continues after a reopen.
        QCOMPARE(*m_store->appendEvent(prompt->id, QStringLiteral("done"), "{}"), 2);
    }

    void refusesNewerSchema()
    {
        m_store.reset();
        {
            RawConnection raw(m_path);
            QVERIFY(raw.exec(postgres ? QStringLiteral("UPDATE schema_version SET version = 999")
                                      : QStringLiteral("PRAGMA user_version = 999")));
        }
        QString error;
        QVERIFY(!openStore(&error));
        QVERIFY2(error.contains(QLatin1String("newer")), qPrintable(error));
    }

    void refusesUnopenablePath()
    {
        QString error;
#ifdef SLUICE_TEST_POSTGRES
        PostgresLocation nowhere = location();
        nowhere.database = QStringLiteral("no_such_database");
        QVERIFY(!PostgresStore::open(nowhere, &error));
#else
        QVERIFY(!SqliteStore::open(m_dir->filePath(QStringLiteral("missing/dir/x.db")), &error));
#endif
        QVERIFY(!error.isEmpty());
    }

#ifdef SLUICE_TEST_POSTGRES
    // The database server ends the store's idle connection, as a restart or a failover does: the
    // next call succeeds on a new connection, a write as well as a read, because the statement
    // that met the dead connection failed in its PREPARE, before anything ran; a transaction's
    // BEGIN likewise.
    void lostConnectionIsReopened()
    {
        RawConnection admin(m_path);
        const auto dropStoreConnection = [&] {
            // Every other connection to the database is the store's; the call waits (PostgreSQL
            // 14+) until they are gone, so none dies in the middle of the next statement.
            const int ended
                = admin
                      .scalar(QStringLiteral("SELECT COUNT(*) FILTER (WHERE "
                                             "pg_terminate_backend(pid, 10000)) FROM "
                                             "pg_stat_activity WHERE datname = "
                                             "current_database() AND pid <> pg_backend_pid() "
                                             "AND backend_type = 'client backend'"))
                      .toInt();
            if (ended < 1)
                return false;
            QTest::ignoreMessage(QtWarningMsg, "database connection lost: reconnecting");
            return true;
        };
        const QString alice = makeUser(QStringLiteral("alice"));
        QVERIFY(!alice.isEmpty());
        QVERIFY(dropStoreConnection());
        const auto found = m_store->userByName(QStringLiteral("alice"));
        QVERIFY(found);
        QCOMPARE(found->id, alice);
        QVERIFY(dropStoreConnection());
        QVERIFY(!makeUser(QStringLiteral("bob")).isEmpty());
        QVERIFY(dropStoreConnection());
        QVERIFY(m_store->createSession(alice, QStringLiteral("t")));
        QVERIFY(dropStoreConnection());
        QVERIFY(m_store->ping());
        QCOMPARE(m_store->users().size(), 2); // each write once
        QCOMPARE(m_store->sessionsForUser(alice).size(), 1);
    }
#endif

    void users()
    {
        const QString bob = makeUser(QStringLiteral("bob"));
        const QString alice = makeUser(QStringLiteral("alice"));
        QVERIFY(!bob.isEmpty() && !alice.isEmpty());
        QVERIFY(!m_store->createUser(QStringLiteral("bob"), "$scrypt$other")); // duplicate
        QVERIFY(!m_store->createUser(QStringLiteral("BoB"),
                                     "$scrypt$other")); // names ignore ASCII case
        QCOMPARE(m_store->userByName(QStringLiteral("BOB"))->id, bob);
        const QRegularExpression idShape(QStringLiteral("^[0-9a-f]{32}$"));
        QVERIFY(idShape.match(bob).hasMatch());
        QVERIFY(bob != alice);
        const QList<UserRecord> all = m_store->users();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(0).name, QStringLiteral("alice"));
        QCOMPARE(all.at(1).name, QStringLiteral("bob"));
        QCOMPARE(m_store->user(bob)->name, QStringLiteral("bob"));
        QCOMPARE(m_store->userByName(QStringLiteral("bob"))->passwordHash,
                 QByteArray("$scrypt$test"));
        QVERIFY(m_store->setPasswordHash(bob, "$scrypt$new"));
        QCOMPARE(m_store->user(bob)->passwordHash, QByteArray("$scrypt$new"));
        QVERIFY(!m_store->setPasswordHash(QStringLiteral("nope"), "$x"));
        QVERIFY(!m_store->userByName(QStringLiteral("carol")));
        QVERIFY(m_store->user(bob)->createdAt.isValid());
        QCOMPARE(m_store->user(bob)->createdAt.timeSpec(), Qt::UTC);
    }

    void removeUserCascades()
    {
        const QString dan = makeUser(QStringLiteral("dan"));
        const auto session = m_store->createSession(dan, QStringLiteral("s"));
        const auto prompt = m_store->createPrompt(session->id, QStringLiteral("p"));
        m_store->appendEvent(prompt->id, QStringLiteral("message"), "{}");
        QVERIFY(m_store->insertRefreshToken(dan, hashOf('d'),
                                            QDateTime::currentDateTimeUtc().addDays(1)));
        QVERIFY(m_store->removeUser(dan));
        QVERIFY(!m_store->removeUser(dan));
        QVERIFY(!m_store->user(dan));
        QVERIFY(!m_store->session(session->id));
        QVERIFY(!m_store->prompt(prompt->id));
        QVERIFY(m_store->eventsAfter(prompt->id, 0, 10).isEmpty());
        QVERIFY(!m_store->refreshToken(hashOf('d')));
    }

    void sessionsAndPrompts()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const QString bob = makeUser(QStringLiteral("bob"));
        const auto s1 = m_store->createSession(alice, QStringLiteral("one"));
        const auto s2 = m_store->createSession(alice, QStringLiteral("two"));
        const auto s3 = m_store->createSession(bob, QStringLiteral("bob's"));
        QVERIFY(s1 && s2 && s3);
        QVERIFY(s1->id != s2->id);
        QVERIFY(!m_store->createSession(QStringLiteral("no-such-user"), QStringLiteral("x")));
        const QList<SessionRecord> mine = m_store->sessionsForUser(alice);
        QCOMPARE(mine.size(), 2);
        QCOMPARE(mine.at(0).id, s2->id); // newest first
        QCOMPARE(mine.at(1).id, s1->id);
        QCOMPARE(m_store->session(s3->id)->userId, bob);

        const auto p1 = m_store->createPrompt(s1->id, QStringLiteral("first"));
        const auto p2 = m_store->createPrompt(s1->id, QStringLiteral("second"));
        QVERIFY(p1 && p2);
        QCOMPARE(p1->status, PromptStatus::Pending);
        QCOMPARE(p1->userId, alice);
        QCOMPARE(p1->sessionId, s1->id);
        QVERIFY(!m_store->createPrompt(QStringLiteral("no-such-session"), QStringLiteral("x")));
        const QList<PromptRecord> prompts = m_store->promptsForSession(s1->id);
        QCOMPARE(prompts.size(), 2);
        QCOMPARE(prompts.at(0).id, p1->id); // oldest first
        QCOMPARE(prompts.at(1).id, p2->id);
        QVERIFY(m_store->setPromptStatus(p1->id, PromptStatus::Done));
        QCOMPARE(m_store->prompt(p1->id)->status, PromptStatus::Done);
        QVERIFY(!m_store->setPromptStatus(QStringLiteral("nope"), PromptStatus::Done));
        QVERIFY(m_store->promptsForSession(s2->id).isEmpty());
    }

    void eventLog()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const auto s = m_store->createSession(alice, QStringLiteral("s"));
        const auto p = m_store->createPrompt(s->id, QStringLiteral("a"));
        const auto q = m_store->createPrompt(s->id, QStringLiteral("b"));
        for (int i = 1; i <= 5; ++i) {
            const auto seq
                = m_store->appendEvent(p->id, QStringLiteral("message"),
                                       QByteArray(R"({"n":)") + QByteArray::number(i) + '}');
            QVERIFY(seq);
            QCOMPARE(*seq, i);
        }
        QCOMPARE(*m_store->appendEvent(q->id, QStringLiteral("status"), "{}"), 1); // per prompt
        QVERIFY(!m_store->appendEvent(QStringLiteral("no-such-prompt"), QStringLiteral("x"), "{}"));

        const QList<EventRecord> all = m_store->eventsAfter(p->id, 0, 100);
        QCOMPARE(all.size(), 5);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(all.at(i).seq, i + 1);
            QCOMPARE(all.at(i).type, QStringLiteral("message"));
            QCOMPARE(all.at(i).data, QByteArray(R"({"n":)") + QByteArray::number(i + 1) + '}');
            QCOMPARE(all.at(i).promptId, p->id);
        }
        const QList<EventRecord> tail = m_store->eventsAfter(p->id, 3, 100);
        QCOMPARE(tail.size(), 2);
        QCOMPARE(tail.at(0).seq, 4);
        const QList<EventRecord> page = m_store->eventsAfter(p->id, 1, 2);
        QCOMPARE(page.size(), 2);
        QCOMPARE(page.at(0).seq, 2);
        QCOMPARE(page.at(1).seq, 3);
        QVERIFY(m_store->eventsAfter(p->id, 5, 100).isEmpty());
    }

    // appendEvent with a status change: pending → running with the first event, `done` finishes
    // the prompt, a finished prompt refuses events — and the event and the status are one
    // transaction: a failure injected into either statement (a trigger raising an error, as a
    // full disk or an I/O error would fail it) rolls both back.
    void appendWithStatusIsAtomic()
    {
        using Outcome = AppendResult::Outcome;
        const QString alice = makeUser(QStringLiteral("alice"));
        const auto s = m_store->createSession(alice, QStringLiteral("s"));
        const auto p = m_store->createPrompt(s->id, QStringLiteral("a"));
        const EventAppend message { QStringLiteral("message"), "{}", PromptStatus::Running,
                                    PromptStatus::Pending, PromptStatus::Done };
        const EventAppend done {
            QStringLiteral("done"), "{}", PromptStatus::Done, {}, PromptStatus::Done
        };

        AppendResult r = m_store->appendEvent(p->id, message);
        QCOMPARE(r.outcome, Outcome::Appended);
        QCOMPARE(r.seq, 1);
        QCOMPARE(m_store->prompt(p->id)->status, PromptStatus::Running);
        QCOMPARE(m_store->appendEvent(QStringLiteral("nope"), message).outcome,
                 Outcome::NoSuchPrompt);

        // Injected failure in the second statement (the status change to done).
        RawConnection raw(m_path);
        QVERIFY(raw.injectFailure(QStringLiteral("fail_done"), QStringLiteral("UPDATE OF status"),
                                  QStringLiteral("prompts"),
                                  QStringLiteral("NEW.status = 'done'")));
        r = m_store->appendEvent(p->id, done);
        QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(m_store->eventsAfter(p->id, 0, 10).size(), 1); // the done event rolled back
        QCOMPARE(m_store->prompt(p->id)->status, PromptStatus::Running);

        // (The two steps the publisher used to take leave a `done` in the log of a prompt that
        // still takes events: the state this transaction rules out.)
        const auto q = m_store->createPrompt(s->id, QStringLiteral("two steps"));
        QCOMPARE(*m_store->appendEvent(q->id, QStringLiteral("done"), "{}"), 1);
        QVERIFY(!m_store->setPromptStatus(q->id, PromptStatus::Done));
        QCOMPARE(m_store->prompt(q->id)->status, PromptStatus::Pending);

        // Injected failure in the first statement (the insert of the event).
        QVERIFY(raw.removeFailure(QStringLiteral("fail_done"), QStringLiteral("prompts")));
        QVERIFY(raw.injectFailure(QStringLiteral("fail_insert"), QStringLiteral("INSERT"),
                                  QStringLiteral("events"), QStringLiteral("NEW.type = 'done'")));
        QCOMPARE(m_store->appendEvent(p->id, done).outcome, Outcome::Failed);
        QCOMPARE(m_store->prompt(p->id)->status, PromptStatus::Running);
        QVERIFY(raw.removeFailure(QStringLiteral("fail_insert"), QStringLiteral("events")));

        // Nothing of the failed attempts remains: the retry gets the next id and finishes.
        r = m_store->appendEvent(p->id, done);
        QCOMPARE(r.outcome, Outcome::Appended);
        QCOMPARE(r.seq, 2);
        QCOMPARE(m_store->prompt(p->id)->status, PromptStatus::Done);
        QCOMPARE(m_store->appendEvent(p->id, message).outcome, Outcome::Refused);
        QCOMPARE(m_store->appendEvent(p->id, done).outcome, Outcome::Refused);
        const QList<EventRecord> log = m_store->eventsAfter(p->id, 0, 10);
        QCOMPARE(log.size(), 2);
        QCOMPARE(log.at(1).type, QStringLiteral("done"));
        QCOMPARE(m_store->prompt(p->id)->status, PromptStatus::Done); // not back to running
    }

    // eventPage: bounded by count and by bytes; the event crossing the byte budget ends the page,
    // so a page always holds at least one event, whatever its size.
    // Group commit: one transaction for a batch; each event its own outcome, later ones seeing
    // earlier ones; a storage failure anywhere leaves nothing of the batch.
    void appendEventsIsOneTransaction()
    {
        using Outcome = AppendResult::Outcome;
        const QString alice = makeUser(QStringLiteral("alice"));
        const auto s = m_store->createSession(alice, QStringLiteral("s"));
        const auto p = m_store->createPrompt(s->id, QStringLiteral("p"));
        const auto q = m_store->createPrompt(s->id, QStringLiteral("q"));
        const EventAppend message { QStringLiteral("message"), R"({"n":1})", PromptStatus::Running,
                                    PromptStatus::Pending, PromptStatus::Done };
        const EventAppend done {
            QStringLiteral("done"), "{}", PromptStatus::Done, {}, PromptStatus::Done
        };
        EventAppend capped = message;
        capped.maxEvents = 2;

        const QList<AppendResult> results = m_store->appendEvents({
            { p->id, message },
            { QStringLiteral("nope"), message },
            { p->id, message },
            { q->id, done },
            { q->id, message }, // q is done by the event before, in the same batch
            { p->id, capped }, // p already has 2 events in this batch
        });
        QCOMPARE(results.size(), 6);
        QCOMPARE(results.at(0).outcome, Outcome::Appended);
        QCOMPARE(results.at(0).seq, 1);
        QCOMPARE(results.at(1).outcome, Outcome::NoSuchPrompt);
        QCOMPARE(results.at(2).outcome, Outcome::Appended);
        QCOMPARE(results.at(2).seq, 2);
        QCOMPARE(results.at(3).outcome, Outcome::Appended);
        QCOMPARE(results.at(3).seq, 1);
        QCOMPARE(results.at(4).outcome, Outcome::Refused);
        QCOMPARE(results.at(5).outcome, Outcome::OverEventQuota);
        QCOMPARE(m_store->eventsAfter(p->id, 0, 10).size(), 2);
        QCOMPARE(m_store->prompt(q->id)->status, PromptStatus::Done);

        // A failure in the batch's last event rolls back the events before it too.
        RawConnection raw(m_path);
        QVERIFY(raw.injectFailure(QStringLiteral("fail_done"), QStringLiteral("UPDATE OF status"),
                                  QStringLiteral("prompts"),
                                  QStringLiteral("NEW.status = 'done'")));
        const QList<AppendResult> failed
            = m_store->appendEvents({ { p->id, message }, { p->id, message }, { p->id, done } });
        QCOMPARE(failed.size(), 3);
        for (const AppendResult &r : failed)
            QCOMPARE(r.outcome, Outcome::Failed);
        QCOMPARE(m_store->eventsAfter(p->id, 0, 10).size(), 2);
        QVERIFY(raw.removeFailure(QStringLiteral("fail_done"), QStringLiteral("prompts")));
        // The next batch continues the gap-free sequence.
        const QList<AppendResult> retried = m_store->appendEvents({ { p->id, message } });
        QCOMPARE(retried.constFirst().seq, 3);
        QVERIFY(m_store->appendEvents({}).isEmpty());
    }

    void eventPageIsBoundedByBytes()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const auto s = m_store->createSession(alice, QStringLiteral("s"));
        const auto p = m_store->createPrompt(s->id, QStringLiteral("a"));
        const auto payload = [](int n, qsizetype size) -> QByteArray {
            QByteArray json = R"({"n":)" + QByteArray::number(n) + ",\"t\":\"";
            json += QByteArray(size - json.size() - 2, 'x');
            return json + "\"}";
        };
        for (int i = 1; i <= 5; ++i) // 5 × 100 KiB
            QCOMPARE(
                *m_store->appendEvent(p->id, QStringLiteral("message"), payload(i, 100 * 1024)), i);
        QCOMPARE(*m_store->appendEvent(p->id, QStringLiteral("message"), payload(6, 1 << 20)), 6);
        for (int i = 7; i <= 10; ++i)
            QCOMPARE(*m_store->appendEvent(p->id, QStringLiteral("message"), payload(i, 10)), i);

        auto seqs = [&](qint64 after, int maxEvents, qint64 maxBytes) {
            QList<qint64> out;
            for (const EventRecord &e : m_store->eventPage(p->id, after, maxEvents, maxBytes)) {
                out.append(e.seq);
                if (e.data != payload(int(e.seq), e.data.size()))
                    out.append(-1);
            }
            return out;
        };
        // 100 + 100 KiB < 256 KiB; the third event reaches it and ends the page.
        QCOMPARE(seqs(0, 256, 256 * 1024), (QList<qint64> { 1, 2, 3 }));
        QCOMPARE(seqs(0, 2, 256 * 1024), (QList<qint64> { 1, 2 }));
        QCOMPARE(seqs(3, 256, 256 * 1024), (QList<qint64> { 4, 5, 6 }));
        QCOMPARE(seqs(5, 256, 1024), (QList<qint64> { 6 })); // one event of 1 MiB > budget
        QCOMPARE(seqs(6, 256, 256 * 1024), (QList<qint64> { 7, 8, 9, 10 }));
        QCOMPARE(seqs(10, 256, 256 * 1024), QList<qint64>());
        QCOMPARE(m_store->eventPage(p->id, 5, 256, 1024).constFirst().data.size(), 1 << 20);
    }

    void refreshRotation()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto first = m_store->insertRefreshToken(alice, hashOf('1'), now.addDays(1));
        QVERIFY(first);
        QVERIFY(first->parentId.isEmpty());

        RefreshRotationResult r
            = m_store->rotateRefreshToken(hashOf('1'), hashOf('2'), now.addDays(1), now);
        QCOMPARE(r.outcome, RefreshRotation::Rotated);
        QCOMPARE(r.userId, alice);
        QCOMPARE(r.familyId, first->familyId);
        QVERIFY(m_store->refreshToken(hashOf('1'))->used);
        const auto second = m_store->refreshToken(hashOf('2'));
        QVERIFY(second);
        QCOMPARE(second->familyId, first->familyId);
        QCOMPARE(second->parentId, first->id);
        QVERIFY(!second->used && !second->revoked);

        r = m_store->rotateRefreshToken(hashOf('2'), hashOf('3'), now.addDays(1), now);
        QCOMPARE(r.outcome, RefreshRotation::Rotated);

        // Reuse of '1' (already rotated): the whole family dies, '3' included.
        r = m_store->rotateRefreshToken(hashOf('1'), hashOf('4'), now.addDays(1), now);
        QCOMPARE(r.outcome, RefreshRotation::Reused);
        QVERIFY(!m_store->refreshToken(hashOf('4')));
        QVERIFY(m_store->refreshToken(hashOf('3'))->revoked);
        r = m_store->rotateRefreshToken(hashOf('3'), hashOf('5'), now.addDays(1), now);
        QCOMPARE(r.outcome, RefreshRotation::Revoked);
        QVERIFY(!m_store->refreshToken(hashOf('5')));

        r = m_store->rotateRefreshToken(hashOf('9'), hashOf('6'), now.addDays(1), now);
        QCOMPARE(r.outcome, RefreshRotation::NotFound);
    }

    void refreshExpiry()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(m_store->insertRefreshToken(alice, hashOf('e'), now.addSecs(-1)));
        const auto r = m_store->rotateRefreshToken(hashOf('e'), hashOf('f'), now.addDays(1), now);
        QCOMPARE(r.outcome, RefreshRotation::Expired);
        QVERIFY(!m_store->refreshToken(hashOf('f')));
        QVERIFY(!m_store->refreshToken(hashOf('e'))->used);
    }

    void rotationIsAtomic()
    {
        // The successor's insert fails (hash collides with an existing token): the presented token
        // must NOT stay marked used — no half-done rotation.
        const QString alice = makeUser(QStringLiteral("alice"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(m_store->insertRefreshToken(alice, hashOf('a'), now.addDays(1)));
        QVERIFY(m_store->insertRefreshToken(alice, hashOf('b'), now.addDays(1)));
        auto r = m_store->rotateRefreshToken(hashOf('a'), hashOf('b'), now.addDays(1), now);
        QCOMPARE(r.outcome, RefreshRotation::Failed);
        QVERIFY(!m_store->refreshToken(hashOf('a'))->used);
        r = m_store->rotateRefreshToken(hashOf('a'), hashOf('c'), now.addDays(1), now);
        QCOMPARE(r.outcome, RefreshRotation::Rotated);
    }

    void familyAndUserRevocation()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const QString bob = makeUser(QStringLiteral("bob"));
        const QDateTime later = QDateTime::currentDateTimeUtc().addDays(1);
        const auto a1 = m_store->insertRefreshToken(alice, hashOf('1'), later);
        const auto a2 = m_store->insertRefreshToken(alice, hashOf('2'), later);
        const auto b1 = m_store->insertRefreshToken(bob, hashOf('3'), later);
        QVERIFY(a1 && a2 && b1);
        QVERIFY(a1->familyId != a2->familyId);
        QVERIFY(m_store->revokeRefreshFamily(a1->familyId));
        QVERIFY(m_store->refreshToken(hashOf('1'))->revoked);
        QVERIFY(!m_store->refreshToken(hashOf('2'))->revoked);
        QVERIFY(m_store->revokeRefreshTokensForUser(alice));
        QVERIFY(m_store->refreshToken(hashOf('2'))->revoked);
        QVERIFY(!m_store->refreshToken(hashOf('3'))->revoked);
    }

    // A new password signs the user out everywhere, or changes nothing: a password changed with
    // the old sign-ins still working would be worse than a clear failure.
    void changePasswordIsAllOrNothing()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const QString bob = makeUser(QStringLiteral("bob"));
        const QDateTime later = QDateTime::currentDateTimeUtc().addDays(1);
        QVERIFY(m_store->insertRefreshToken(alice, hashOf('1'), later));
        QVERIFY(m_store->insertRefreshToken(bob, hashOf('2'), later));
        const QDateTime when = QDateTime::currentDateTimeUtc();

        {
            RawConnection raw(m_path);
            QVERIFY(raw.injectFailure(QStringLiteral("fail_revoke"), QStringLiteral("UPDATE"),
                                      QStringLiteral("refresh_tokens"), QStringLiteral("1 = 1")));
            QVERIFY(!m_store->changePassword(alice, "$scrypt$new", when));
            QVERIFY(
                raw.removeFailure(QStringLiteral("fail_revoke"), QStringLiteral("refresh_tokens")));
        }
        QCOMPARE(m_store->user(alice)->passwordHash, QByteArray("$scrypt$test"));
        QVERIFY(m_store->user(alice)->tokensValidAfter < when);
        QVERIFY(!m_store->refreshToken(hashOf('1'))->revoked);

        QVERIFY(m_store->changePassword(alice, "$scrypt$new", when));
        QCOMPARE(m_store->user(alice)->passwordHash, QByteArray("$scrypt$new"));
        QCOMPARE(m_store->user(alice)->tokensValidAfter, when);
        QVERIFY(m_store->refreshToken(hashOf('1'))->revoked);
        QVERIFY(!m_store->refreshToken(hashOf('2'))->revoked); // bob's
        QCOMPARE(m_store->user(bob)->passwordHash, QByteArray("$scrypt$test"));
        QVERIFY(!m_store->changePassword(QStringLiteral("nobody"), "$scrypt$x", when));
    }

    // SQLite's prepared statements are pooled across calls: one left positioned on its results
    // would hold a read snapshot, and a checkpoint could then never reset the WAL.
    void pooledStatementsHoldNoReadSnapshot()
    {
        if (postgres)
            QSKIP("SQLite's pool and WAL only");
        const QString id = makeUser(QStringLiteral("heidi"));
        makeUser(QStringLiteral("ivan"));
        for (int i = 0; i < 3; ++i) { // the second and third calls use the pooled queries
            QCOMPARE(m_store->userByName(QStringLiteral("heidi"))->id, id);
            QCOMPARE(m_store->user(id)->name, QStringLiteral("heidi"));
            QCOMPARE(m_store->users().size(), 2);
        }
        RawConnection raw(m_path);
        // (busy, log frames, checkpointed frames): busy is 1 while any reader holds a snapshot.
        QCOMPARE(raw.scalar(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")).toInt(), 0);
        // And the pooled queries still see what another connection wrote.
        auto other = openStore();
        QVERIFY(other);
        QVERIFY(other->setPasswordHash(id, "$scrypt$changed"));
        QCOMPARE(m_store->user(id)->passwordHash, QByteArray("$scrypt$changed"));
    }

    void twoStoresOnOneFile()
    {
        // Like the `user` CLI writing while the server runs: the second connection sees the first's
        // committed writes at once.
        auto other = openStore();
        QVERIFY(other);
        const QString id = makeUser(QStringLiteral("grace"));
        QCOMPARE(other->userByName(QStringLiteral("grace"))->id, id);
        QVERIFY(other->removeUser(id));
        QVERIFY(!m_store->user(id));
    }

    // Two store connections (two server instances) append to one prompt at the same time, each
    // from its own thread: every append succeeds and the log is one gap-free sequence.
    void concurrentAppendsFromTwoConnections()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const auto s = m_store->createSession(alice, QStringLiteral("s"));
        const auto p = m_store->createPrompt(s->id, QStringLiteral("p"));
        QVERIFY(s && p);
        constexpr int perWriter = 200;
        QList<qint64> seqs[2];
        bool opened[2] = { false, false };
        auto writer = [&](int index) {
            std::unique_ptr<SqlStore> store = openStore(); // its connection, in its thread
            opened[index] = bool(store);
            if (!store)
                return;
            const QString type = index == 0 ? QStringLiteral("message") : QStringLiteral("status");
            for (int i = 0; i < perWriter; ++i) {
                const auto seq = store->appendEvent(p->id, type, QByteArray::number(i));
                if (seq)
                    seqs[index].append(*seq);
            }
        };
        std::thread first(writer, 0);
        std::thread second(writer, 1);
        first.join();
        second.join();
        QVERIFY(opened[0] && opened[1]);
        QCOMPARE(seqs[0].size(), perWriter); // no append failed
        QCOMPARE(seqs[1].size(), perWriter);
        QList<qint64> all = seqs[0] + seqs[1];
        std::sort(all.begin(), all.end());
        for (int i = 0; i < all.size(); ++i)
            QCOMPARE(all.at(i), qint64(i + 1)); // gap-free, no number given twice
        QVERIFY(std::is_sorted(seqs[0].cbegin(), seqs[0].cend()));
        QVERIFY(std::is_sorted(seqs[1].cbegin(), seqs[1].cend()));
        const QList<EventRecord> log = m_store->eventsAfter(p->id, 0, 2 * perWriter + 10);
        QCOMPARE(log.size(), 2 * perWriter);
        int fromFirst = 0;
        for (int i = 0; i < log.size(); ++i) {
            QCOMPARE(log.at(i).seq, qint64(i + 1));
            // Each writer's events keep their order in the log.
            if (log.at(i).type == QLatin1String("message"))
                QCOMPARE(log.at(i).data, QByteArray::number(fromFirst++));
        }
        QCOMPARE(fromFirst, perWriter);
    }

    // Two connections commit batches holding the same two prompts in opposite orders (group
    // commit of two instances): no deadlock, every event appended, both logs gap-free.
    void crossedBatchesFromTwoConnections()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const auto s = m_store->createSession(alice, QStringLiteral("s"));
        const auto p = m_store->createPrompt(s->id, QStringLiteral("p"));
        const auto q = m_store->createPrompt(s->id, QStringLiteral("q"));
        QVERIFY(s && p && q);
        constexpr int batches = 100;
        int appended[2] = { 0, 0 };
        auto writer = [&](int index) {
            std::unique_ptr<SqlStore> store = openStore();
            if (!store)
                return;
            const EventAppend message { QStringLiteral("message"), "{}", {}, {}, {} };
            const QString first = index == 0 ? p->id : q->id;
            const QString second = index == 0 ? q->id : p->id;
            for (int i = 0; i < batches; ++i) {
                const QList<AppendResult> results
                    = store->appendEvents({ { first, message }, { second, message } });
                for (const AppendResult &r : results)
                    appended[index] += r.outcome == AppendResult::Outcome::Appended ? 1 : 0;
            }
        };
        std::thread one(writer, 0);
        std::thread two(writer, 1);
        one.join();
        two.join();
        QCOMPARE(appended[0], 2 * batches);
        QCOMPARE(appended[1], 2 * batches);
        for (const QString &prompt : { p->id, q->id }) {
            const QList<EventRecord> log = m_store->eventsAfter(prompt, 0, 4 * batches);
            QCOMPARE(log.size(), 2 * batches);
            for (int i = 0; i < log.size(); ++i)
                QCOMPARE(log.at(i).seq, qint64(i + 1));
        }
    }

    void purgeKeepsLiveFamiliesWhole()
    {
        const QString alice = makeUser(QStringLiteral("alice"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        // Live family: an old used token plus its live successor. Both must survive, so reuse of
        // the old one is still detected.
        QVERIFY(m_store->insertRefreshToken(alice, hashOf('1'), now.addDays(1)));
        QCOMPARE(m_store->rotateRefreshToken(hashOf('1'), hashOf('2'), now.addDays(2), now).outcome,
                 RefreshRotation::Rotated);
        // Expired family, and a revoked one.
        QVERIFY(m_store->insertRefreshToken(alice, hashOf('3'), now.addSecs(-10)));
        const auto revoked = m_store->insertRefreshToken(alice, hashOf('4'), now.addDays(1));
        QVERIFY(m_store->revokeRefreshFamily(revoked->familyId));

        QCOMPARE(m_store->purgeRefreshTokens(now), 2);
        QVERIFY(m_store->refreshToken(hashOf('1')));
        QVERIFY(m_store->refreshToken(hashOf('2')));
        QVERIFY(!m_store->refreshToken(hashOf('3')));
        QVERIFY(!m_store->refreshToken(hashOf('4')));
        QCOMPARE(m_store->rotateRefreshToken(hashOf('1'), hashOf('5'), now.addDays(1), now).outcome,
                 RefreshRotation::Reused);
        QCOMPARE(m_store->purgeRefreshTokens(now), 2); // the family revoked by the reuse
        QCOMPARE(m_store->purgeRefreshTokens(now), 0);
    }
};

#ifdef SLUICE_TEST_POSTGRES
using TestPostgresStore = TestSqliteStore;
QTEST_GUILESS_MAIN(TestPostgresStore)
#else
QTEST_GUILESS_MAIN(TestSqliteStore)
#endif
#include "tst_sqlitestore.moc"
