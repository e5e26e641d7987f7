// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Pagination of the GET list routes against the real server: `limit` and the opaque keyset
// `cursor`. Following nextCursor visits every row once in the list's order (sessions newest first,
// prompts oldest first) and ends with a null nextCursor; rows added while paging neither repeat
// nor push rows out; bad limits are 400 VALIDATION_ERROR and bad cursors 400 INVALID_CURSOR.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QJsonArray>
#include <QtCore/QUrl>
#include <QtTest/QtTest>

using namespace Sluice::Test;

namespace {
const QString sessionsPath = QStringLiteral("/api/claude-code/sessions");
const QString password = QStringLiteral("a long enough password");
constexpr int sessionCount = 7;
constexpr int promptCount = 5;

struct ListPage
{
    int status = 0;
    QStringList ids;
    QJsonValue nextCursor;
};
} // namespace

class TestPagination : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void defaultPageHoldsEverythingSmall();
    void sessionsPageNewestFirst();
    void promptsPageOldestFirst();
    void rowsAddedWhilePagingAreNotRepeated();
    void maximumLimit();
    void badLimit_data();
    void badLimit();
    void badCursor_data();
    void badCursor();

private:
    ListPage page(const QString &path, const QString &key, const QString &query);
    QStringList walk(const QString &path, const QString &key, int limit, int *pages);

    ServerProcess m_server;
    std::unique_ptr<HttpClient> m_http;
    QByteArray m_token;
    QStringList m_sessions; // newest first
    QString m_promptsPath;
    QStringList m_prompts; // oldest first
};

void TestPagination::initTestCase()
{
    QVERIFY(m_server.addUser(QStringLiteral("alice"), password));
    QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
    m_http = std::make_unique<HttpClient>(m_server.baseUrl());
    m_token = m_http->login(QStringLiteral("alice"), password);
    QVERIFY(!m_token.isEmpty());
    for (int i = 0; i < sessionCount; ++i) {
        const auto reply = m_http->postJson(sessionsPath, {}, HttpClient::bearer(m_token));
        QCOMPARE(reply.status, 201);
        m_sessions.prepend(reply.object().value(QLatin1String("id")).toString());
    }
    m_promptsPath = sessionsPath + u'/' + m_sessions.constLast() + QStringLiteral("/prompts");
    for (int i = 0; i < promptCount; ++i) {
        const auto reply
            = m_http->postJson(m_promptsPath, { { QStringLiteral("text"), QString::number(i) } },
                               HttpClient::bearer(m_token));
        QCOMPARE(reply.status, 201);
        m_prompts.append(reply.object().value(QLatin1String("id")).toString());
    }
}

ListPage TestPagination::page(const QString &path, const QString &key, const QString &query)
{
    const auto reply = m_http->get(path + query, HttpClient::bearer(m_token));
    ListPage result;
    result.status = reply.status;
    if (reply.status != 200)
        return result;
    for (const QJsonValue &row : reply.object().value(key).toArray())
        result.ids.append(row.toObject().value(QLatin1String("id")).toString());
    result.nextCursor = reply.object().value(QLatin1String("nextCursor"));
    return result;
}

QStringList TestPagination::walk(const QString &path, const QString &key, int limit, int *pages)
{
    QStringList ids;
    QString cursor;
    *pages = 0;
    for (;;) {
        QString query = QStringLiteral("?limit=%1").arg(limit);
        if (!cursor.isEmpty())
            query += QStringLiteral("&cursor=")
                + QString::fromLatin1(QUrl::toPercentEncoding(cursor));
        const ListPage p = page(path, key, query);
        if (p.status != 200 || ++*pages > 100)
            return {};
        ids += p.ids;
        if (p.nextCursor.isNull())
            return ids;
        if (!p.nextCursor.isString() || p.ids.size() != limit)
            return {};
        cursor = p.nextCursor.toString();
    }
}

void TestPagination::defaultPageHoldsEverythingSmall()
{
    const ListPage sessions = page(sessionsPath, QStringLiteral("sessions"), {});
    QCOMPARE(sessions.status, 200);
    QCOMPARE(sessions.ids, m_sessions);
    QVERIFY(sessions.nextCursor.isNull()); // present, null: the last page
    const ListPage prompts = page(m_promptsPath, QStringLiteral("prompts"), {});
    QCOMPARE(prompts.ids, m_prompts);
    QVERIFY(prompts.nextCursor.isNull());
}

void TestPagination::sessionsPageNewestFirst()
{
    const ListPage first
        = page(sessionsPath, QStringLiteral("sessions"), QStringLiteral("?limit=3"));
    QCOMPARE(first.ids, m_sessions.mid(0, 3));
    QVERIFY(first.nextCursor.isString());
    QVERIFY(!first.nextCursor.toString().isEmpty());
    int pages = 0;
    QCOMPARE(walk(sessionsPath, QStringLiteral("sessions"), 3, &pages), m_sessions);
    QCOMPARE(pages, 3); // 3 + 3 + 1
    QCOMPARE(walk(sessionsPath, QStringLiteral("sessions"), 1, &pages), m_sessions);
    QCOMPARE(pages, sessionCount);
    // A page that ends exactly at the last row says so (no empty page after it).
    QCOMPARE(walk(sessionsPath, QStringLiteral("sessions"), sessionCount, &pages), m_sessions);
    QCOMPARE(pages, 1);
}

void TestPagination::promptsPageOldestFirst()
{
    int pages = 0;
    QCOMPARE(walk(m_promptsPath, QStringLiteral("prompts"), 2, &pages), m_prompts);
    QCOMPARE(pages, 3);
}

void TestPagination::rowsAddedWhilePagingAreNotRepeated()
{
    const ListPage first
        = page(sessionsPath, QStringLiteral("sessions"), QStringLiteral("?limit=4"));
    QCOMPARE(first.ids, m_sessions.mid(0, 4));
    // A new session is newest: it belongs before the cursor, so the next page is unchanged (an
    // offset would repeat the 4th session).
    const auto created = m_http->postJson(sessionsPath, {}, HttpClient::bearer(m_token));
    QCOMPARE(created.status, 201);
    const ListPage second = page(sessionsPath, QStringLiteral("sessions"),
                                 QStringLiteral("?limit=4&cursor=") + first.nextCursor.toString());
    QCOMPARE(second.ids, m_sessions.mid(4));
    QVERIFY(second.nextCursor.isNull());
    m_sessions.prepend(created.object().value(QLatin1String("id")).toString());
}

void TestPagination::maximumLimit()
{
    const ListPage all
        = page(sessionsPath, QStringLiteral("sessions"), QStringLiteral("?limit=1000"));
    QCOMPARE(all.status, 200);
    QCOMPARE(all.ids, m_sessions);
}

void TestPagination::badLimit_data()
{
    QTest::addColumn<QString>("query");
    QTest::newRow("zero") << QStringLiteral("?limit=0");
    QTest::newRow("over the maximum") << QStringLiteral("?limit=1001");
    QTest::newRow("negative") << QStringLiteral("?limit=-1");
    QTest::newRow("not a number") << QStringLiteral("?limit=ten");
    QTest::newRow("fraction") << QStringLiteral("?limit=1.5");
    QTest::newRow("empty") << QStringLiteral("?limit=");
    QTest::newRow("huge") << QStringLiteral("?limit=99999999999999999999");
    QTest::newRow("repeated") << QStringLiteral("?limit=2&limit=3");
}

void TestPagination::badLimit()
{
    QFETCH(QString, query);
    for (const QString &path : { sessionsPath, m_promptsPath }) {
        const auto reply = m_http->get(path + query, HttpClient::bearer(m_token));
        QCOMPARE(reply.status, 400);
        QCOMPARE(reply.errorCode(), QStringLiteral("VALIDATION_ERROR"));
        QVERIFY2(reply.object().value(QLatin1String("error")).toString().contains(u"limit"),
                 reply.body.constData());
    }
}

void TestPagination::badCursor_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("cursor");
    const ListPage sessions
        = page(sessionsPath, QStringLiteral("sessions"), QStringLiteral("?limit=1"));
    const ListPage prompts
        = page(m_promptsPath, QStringLiteral("prompts"), QStringLiteral("?limit=1"));
    QVERIFY(sessions.nextCursor.isString() && prompts.nextCursor.isString());
    QTest::newRow("garbage") << sessionsPath << QStringLiteral("not-a-cursor!");
    QTest::newRow("base64 of nonsense") << sessionsPath << QStringLiteral("aGVsbG8");
    QTest::newRow("truncated") << sessionsPath << sessions.nextCursor.toString().chopped(3);
    QTest::newRow("sessions cursor on a prompts list")
        << m_promptsPath << sessions.nextCursor.toString();
    QTest::newRow("prompts cursor on the sessions list")
        << sessionsPath << prompts.nextCursor.toString();
    QTest::newRow("too long") << sessionsPath << QString(500, u'A');
    QTest::newRow("repeated") << sessionsPath
                              << sessions.nextCursor.toString() + QStringLiteral("&cursor=")
            + sessions.nextCursor.toString();
}

void TestPagination::badCursor()
{
    QFETCH(QString, path);
    QFETCH(QString, cursor);
    const auto reply
        = m_http->get(path + QStringLiteral("?cursor=") + cursor, HttpClient::bearer(m_token));
    QCOMPARE(reply.status, 400);
    if (QByteArray(QTest::currentDataTag()) == "repeated")
        QCOMPARE(reply.errorCode(), QStringLiteral("VALIDATION_ERROR"));
    else
        QCOMPARE(reply.errorCode(), QStringLiteral("INVALID_CURSOR"));
}

QTEST_GUILESS_MAIN(TestPagination)
#include "tst_pagination.moc"
