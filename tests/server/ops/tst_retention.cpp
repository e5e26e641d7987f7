// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// --retention against the real server: a prompt that finished longer ago than the retention
// period is deleted with its event log by the purge that runs at startup, and then answers 404 on
// every route like a prompt that never existed; finished prompts still inside the period, and
// unfinished ones whatever their age, are kept. The finish times are moved back in the database
// while the server is stopped, so the test needs no tiny retention and no waiting.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QJsonArray>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QtTest>

using namespace Sluice::Test;

namespace {
const QString password = QStringLiteral("a long enough password");
const QStringList retentionArgs { QStringLiteral("--retention"), QStringLiteral("1d") };
constexpr qint64 dayMs = 24 * 3600 * 1000;

// Runs `sql` with `values` bound on the (stopped) server's database; -1 on failure, else the rows
// affected or, for a SELECT, the first column of the first row.
qint64 runSql(const QString &dataDir, const QString &sql, const QVariantList &values)
{
    qint64 result = -1;
    const QString connection = QStringLiteral("tst_retention");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(QDir(dataDir).filePath(QStringLiteral("sluice.db")));
        if (db.open()) {
            QSqlQuery query(db);
            query.prepare(sql);
            for (const QVariant &value : values)
                query.addBindValue(value);
            if (query.exec())
                result = query.isSelect() ? (query.next() ? query.value(0).toLongLong() : -1)
                                          : query.numRowsAffected();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return result;
}
} // namespace

class TestRetention : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void finishedPromptsPastRetentionAreDeleted()
    {
        QVERIFY(m_server.addUser(QStringLiteral("alice"), password));
        QVERIFY2(m_server.start(retentionArgs), qPrintable(m_server.errorString()));
        signIn();
        const auto session = m_http->postJson(QStringLiteral("/api/claude-code/sessions"), {},
                                              HttpClient::bearer(m_token));
        m_sessionId = session.object().value(QLatin1String("id")).toString();
        QVERIFY(!m_sessionId.isEmpty());

        const QString oldDone = newPrompt();
        const QString recentDone = newPrompt();
        const QString oldRunning = newPrompt();
        for (const QString &prompt : { oldDone, recentDone, oldRunning })
            QCOMPARE(post(prompt, QStringLiteral("message")), 201);
        QCOMPARE(post(oldDone, QStringLiteral("done")), 201);
        QCOMPARE(post(recentDone, QStringLiteral("done")), 201);
        QVERIFY(m_server.stop());

        // Two days ago: past the one-day retention. The running prompt is as old, but unfinished.
        const qint64 twoDaysAgo = QDateTime::currentMSecsSinceEpoch() - 2 * dayMs;
        QCOMPARE(runSql(m_server.dataDir(),
                        QStringLiteral("UPDATE prompts SET finished_at = ? WHERE id = ?"),
                        { twoDaysAgo, oldDone }),
                 1);
        QCOMPARE(runSql(m_server.dataDir(),
                        QStringLiteral("UPDATE prompts SET created_at = ? WHERE id = ?"),
                        { twoDaysAgo - dayMs, oldRunning }),
                 1);

        // The purge runs at startup.
        QVERIFY2(m_server.start(retentionArgs), qPrintable(m_server.errorString()));
        signIn();
        QTRY_COMPARE_WITH_TIMEOUT(get(oldDone).status, 404, 20000);
        QCOMPARE(get(oldDone).errorCode(), QStringLiteral("NOT_FOUND"));
        QCOMPARE(get(recentDone).status, 200);
        QCOMPARE(get(oldRunning).status, 200);

        // Gone everywhere, like a prompt that never existed.
        QCOMPARE(
            m_http
                ->get(promptPath(oldDone) + QStringLiteral("/stream"), HttpClient::bearer(m_token))
                .status,
            404);
        QCOMPARE(m_http
                     ->post(promptPath(oldDone) + QStringLiteral("/stream-token"), {},
                            HttpClient::bearer(m_token))
                     .status,
                 404);
        QCOMPARE(post(oldDone, QStringLiteral("message")), 404);
        const auto list
            = m_http->get(QStringLiteral("/api/claude-code/sessions/%1/prompts").arg(m_sessionId),
                          HttpClient::bearer(m_token));
        QStringList listed;
        for (const QJsonValue &prompt : list.object().value(QLatin1String("prompts")).toArray())
            listed.append(prompt.toObject().value(QLatin1String("id")).toString());
        QCOMPARE(listed, (QStringList { oldRunning, recentDone })); // oldest first
        // The session stays.
        QCOMPARE(m_http
                     ->get(QStringLiteral("/api/claude-code/sessions/") + m_sessionId,
                           HttpClient::bearer(m_token))
                     .status,
                 200);
        const QByteArray metrics = m_http->get(QStringLiteral("/metrics")).body;
        QVERIFY2(metrics.contains("sluice_retention_deleted_prompts_total 1\n"),
                 metrics.constData());

        // Its log went with it; the kept prompts' logs are whole.
        QVERIFY(m_server.stop());
        const QString countEvents
            = QStringLiteral("SELECT COUNT(*) FROM events WHERE prompt_id = ?");
        QCOMPARE(runSql(m_server.dataDir(), countEvents, { oldDone }), 0);
        QCOMPARE(runSql(m_server.dataDir(), countEvents, { recentDone }), 2);
        QCOMPARE(runSql(m_server.dataDir(), countEvents, { oldRunning }), 1);
    }

    void withoutRetentionNothingIsDeleted()
    {
        ServerProcess server;
        QVERIFY(server.addUser(QStringLiteral("bob"), password));
        QVERIFY(server.start());
        HttpClient http(server.baseUrl());
        const QByteArray token = http.login(QStringLiteral("bob"), password);
        const QString sid = http.postJson(QStringLiteral("/api/claude-code/sessions"), {},
                                          HttpClient::bearer(token))
                                .object()
                                .value(QLatin1String("id"))
                                .toString();
        const QString prompts = QStringLiteral("/api/claude-code/sessions/%1/prompts").arg(sid);
        const QString pid
            = http.postJson(prompts, { { QStringLiteral("text"), QStringLiteral("p") } },
                            HttpClient::bearer(token))
                  .object()
                  .value(QLatin1String("id"))
                  .toString();
        QCOMPARE(http.postJson(prompts + u'/' + pid + QStringLiteral("/events"),
                               { { QStringLiteral("type"), QStringLiteral("done") } },
                               HttpClient::bearer(token))
                     .status,
                 201);
        QVERIFY(server.stop());
        QCOMPARE(runSql(server.dataDir(),
                        QStringLiteral("UPDATE prompts SET finished_at = 1 WHERE id = ?"), { pid }),
                 1);
        QVERIFY(server.start());
        const QByteArray again
            = HttpClient(server.baseUrl()).login(QStringLiteral("bob"), password);
        HttpClient after(server.baseUrl());
        QCOMPARE(after.get(prompts + u'/' + pid, HttpClient::bearer(again)).status, 200);
    }

private:
    void signIn()
    {
        m_http = std::make_unique<HttpClient>(m_server.baseUrl());
        m_token = m_http->login(QStringLiteral("alice"), password);
        QVERIFY(!m_token.isEmpty());
    }

    QString promptPath(const QString &promptId) const
    {
        return QStringLiteral("/api/claude-code/sessions/%1/prompts/%2").arg(m_sessionId, promptId);
    }

    QString newPrompt()
    {
        const auto reply = m_http->postJson(
            QStringLiteral("/api/claude-code/sessions/%1/prompts").arg(m_sessionId),
            { { QStringLiteral("text"), QStringLiteral("p") } }, HttpClient::bearer(m_token));
        return reply.object().value(QLatin1String("id")).toString();
    }

    HttpResponse get(const QString &promptId)
    {
        return m_http->get(promptPath(promptId), HttpClient::bearer(m_token));
    }

    int post(const QString &promptId, const QString &type)
    {
        return m_http
            ->postJson(promptPath(promptId) + QStringLiteral("/events"),
                       { { QStringLiteral("type"), type },
                         { QStringLiteral("data"), QJsonObject { { QStringLiteral("t"), 1 } } } },
                       HttpClient::bearer(m_token))
            .status;
    }

    ServerProcess m_server;
    std::unique_ptr<HttpClient> m_http;
    QByteArray m_token;
    QString m_sessionId;
};

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
