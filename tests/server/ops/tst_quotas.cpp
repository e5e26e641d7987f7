// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Per-user and per-prompt quotas against the real server: sessions per user, prompts per user
// (over all sessions), events and bytes per prompt. Over a quota → 403 QUOTA_EXCEEDED naming the
// quota and its limit, nothing written (lists and logs are checked), other users unaffected,
// `done` still accepted so the prompt can finish; concurrent requests never overshoot; refusals
// are counted in /metrics.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QEventLoop>
#include <QtCore/QJsonArray>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtTest/QtTest>

using namespace Sluice::Test;

namespace {
const QString sessionsPath = QStringLiteral("/api/claude-code/sessions");
const QString password = QStringLiteral("a long enough password");
constexpr int maxSessions = 2;
constexpr int maxPrompts = 4;
constexpr int maxEvents = 3;
constexpr int maxBytes = 2048;
} // namespace

class TestQuotas : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sessionsPerUser();
    void promptsPerUserOverAllSessions();
    void eventsPerPromptAndDoneStillFinishes();
    void bytesPerPrompt();
    void concurrentCreationsDoNotOvershoot();
    void rejectionsAreCounted();

private:
    QByteArray signIn(const QString &name);
    QString createSession(const QByteArray &token, int expectedStatus = 201);
    QString createPrompt(const QByteArray &token, const QString &sessionId);
    HttpResponse postEvent(const QByteArray &token, const QString &sessionId,
                           const QString &promptId, const QString &type,
                           const QJsonObject &data = {});
    int listSize(const QByteArray &token, const QString &path, const QString &key);
    static void verifyQuotaError(const HttpResponse &reply, const QString &quota, int limit);

    ServerProcess m_server;
    std::unique_ptr<HttpClient> m_http;
};

void TestQuotas::initTestCase()
{
    for (const char *name : { "alice", "bob", "carol", "dave", "erin" })
        QVERIFY2(m_server.addUser(QString::fromLatin1(name), password),
                 qPrintable(m_server.errorString()));
    QVERIFY2(
        m_server.start({ QStringLiteral("--max-sessions-per-user"), QString::number(maxSessions),
                         QStringLiteral("--max-prompts-per-user"), QString::number(maxPrompts),
                         QStringLiteral("--max-events-per-prompt"), QString::number(maxEvents),
                         QStringLiteral("--max-bytes-per-prompt"), QString::number(maxBytes),
                         QStringLiteral("--publish-rate"), QStringLiteral("0") }),
        qPrintable(m_server.errorString()));
    m_http = std::make_unique<HttpClient>(m_server.baseUrl());
}

QByteArray TestQuotas::signIn(const QString &name)
{
    return m_http->login(name, password);
}

QString TestQuotas::createSession(const QByteArray &token, int expectedStatus)
{
    const auto reply = m_http->postJson(sessionsPath, {}, HttpClient::bearer(token));
    if (reply.status != expectedStatus)
        qWarning() << "create session:" << reply.status << reply.body;
    return reply.object().value(QLatin1String("id")).toString();
}

QString TestQuotas::createPrompt(const QByteArray &token, const QString &sessionId)
{
    const auto reply = m_http->postJson(
        sessionsPath + u'/' + sessionId + QStringLiteral("/prompts"),
        { { QStringLiteral("text"), QStringLiteral("p") } }, HttpClient::bearer(token));
    return reply.status == 201 ? reply.object().value(QLatin1String("id")).toString() : QString();
}

HttpResponse TestQuotas::postEvent(const QByteArray &token, const QString &sessionId,
                                   const QString &promptId, const QString &type,
                                   const QJsonObject &data)
{
    return m_http->postJson(sessionsPath + u'/' + sessionId + QStringLiteral("/prompts/") + promptId
                                + QStringLiteral("/events"),
                            { { QStringLiteral("type"), type }, { QStringLiteral("data"), data } },
                            HttpClient::bearer(token));
}

int TestQuotas::listSize(const QByteArray &token, const QString &path, const QString &key)
{
    const auto reply = m_http->get(path + QStringLiteral("?limit=1000"), HttpClient::bearer(token));
    return reply.status == 200 ? int(reply.object().value(key).toArray().size()) : -1;
}

void TestQuotas::verifyQuotaError(const HttpResponse &reply, const QString &quota, int limit)
{
    QCOMPARE(reply.status, 403);
    QCOMPARE(reply.errorCode(), QStringLiteral("QUOTA_EXCEEDED"));
    const QString message = reply.object().value(QLatin1String("error")).toString();
    QVERIFY2(message.contains(quota), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("limit %1").arg(limit)), qPrintable(message));
    QCOMPARE(reply.header("Content-Type"), QByteArray("application/json"));
    QVERIFY(!reply.hasHeader("Retry-After")); // waiting does not free a quota
}

void TestQuotas::sessionsPerUser()
{
    const QByteArray alice = signIn(QStringLiteral("alice"));
    QVERIFY(!alice.isEmpty());
    for (int i = 0; i < maxSessions; ++i)
        QVERIFY(!createSession(alice).isEmpty());
    const auto refused
        = m_http->postJson(sessionsPath, { { QStringLiteral("title"), QStringLiteral("x") } },
                           HttpClient::bearer(alice));
    verifyQuotaError(refused, QStringLiteral("sessions per user"), maxSessions);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(listSize(alice, sessionsPath, QStringLiteral("sessions")), maxSessions);

    // Another user has their own quota.
    const QByteArray bob = signIn(QStringLiteral("bob"));
    QVERIFY(!createSession(bob).isEmpty());
}

void TestQuotas::promptsPerUserOverAllSessions()
{
    const QByteArray bob = signIn(QStringLiteral("bob"));
    const QString first = createSession(bob); // bob's second session (one from above)
    const auto list = m_http->get(sessionsPath, HttpClient::bearer(bob));
    const QJsonArray sessions = list.object().value(QLatin1String("sessions")).toArray();
    QCOMPARE(sessions.size(), 2);
    const QString second = sessions.at(1).toObject().value(QLatin1String("id")).toString();
    QVERIFY(!first.isEmpty() && !second.isEmpty());

    // The quota counts the user's prompts in all sessions together.
    for (int i = 0; i < maxPrompts; ++i)
        QVERIFY(!createPrompt(bob, i % 2 ? first : second).isEmpty());
    const auto refused = m_http->postJson(
        sessionsPath + u'/' + first + QStringLiteral("/prompts"),
        { { QStringLiteral("text"), QStringLiteral("one too many") } }, HttpClient::bearer(bob));
    verifyQuotaError(refused, QStringLiteral("prompts per user"), maxPrompts);
    if (QTest::currentTestFailed())
        return;
    const int inFirst = listSize(bob, sessionsPath + u'/' + first + QStringLiteral("/prompts"),
                                 QStringLiteral("prompts"));
    const int inSecond = listSize(bob, sessionsPath + u'/' + second + QStringLiteral("/prompts"),
                                  QStringLiteral("prompts"));
    QCOMPARE(inFirst + inSecond, maxPrompts);
}

void TestQuotas::eventsPerPromptAndDoneStillFinishes()
{
    const QByteArray carol = signIn(QStringLiteral("carol"));
    const QString sid = createSession(carol);
    const QString pid = createPrompt(carol, sid);
    QVERIFY(!pid.isEmpty());
    for (int i = 1; i <= maxEvents; ++i) {
        const auto reply
            = postEvent(carol, sid, pid, QStringLiteral("message"), { { QStringLiteral("n"), i } });
        QCOMPARE(reply.status, 201);
        QCOMPARE(reply.object().value(QLatin1String("id")).toInt(), i);
    }
    const auto refused = postEvent(carol, sid, pid, QStringLiteral("message"),
                                   { { QStringLiteral("n"), maxEvents + 1 } });
    verifyQuotaError(refused, QStringLiteral("events per prompt"), maxEvents);
    if (QTest::currentTestFailed())
        return;
    // The prompt can still finish (the producer's last word is never lost to the quota)...
    const auto done = postEvent(carol, sid, pid, QStringLiteral("done"));
    QCOMPARE(done.status, 201);
    QCOMPARE(done.object().value(QLatin1String("id")).toInt(), maxEvents + 1);
    // ...and is then finished as usual.
    QCOMPARE(postEvent(carol, sid, pid, QStringLiteral("message")).status, 409);

    // Another prompt of the same user has its own count.
    const QString other = createPrompt(carol, sid);
    QCOMPARE(postEvent(carol, sid, other, QStringLiteral("message")).status, 201);
}

void TestQuotas::bytesPerPrompt()
{
    const QByteArray dave = signIn(QStringLiteral("dave"));
    const QString sid = createSession(dave);
    const QString pid = createPrompt(dave, sid);
    QVERIFY(!pid.isEmpty());
    // {"t":"xxx..."}: the stored data is the compact JSON.
    const auto data = [](int bytes) {
        return QJsonObject { { QStringLiteral("t"), QString(bytes - 8, u'x') } };
    };
    QCOMPARE(postEvent(dave, sid, pid, QStringLiteral("message"), data(1500)).status, 201);
    const auto refused = postEvent(dave, sid, pid, QStringLiteral("message"), data(600));
    verifyQuotaError(refused, QStringLiteral("bytes of event data per prompt"), maxBytes);
    if (QTest::currentTestFailed())
        return;
    // What still fits is accepted: the refused event took nothing.
    QCOMPARE(postEvent(dave, sid, pid, QStringLiteral("message"), data(maxBytes - 1500)).status,
             201);
    QCOMPARE(postEvent(dave, sid, pid, QStringLiteral("message"), data(9)).status, 403);
    QCOMPARE(postEvent(dave, sid, pid, QStringLiteral("done")).status, 201);
}

void TestQuotas::concurrentCreationsDoNotOvershoot()
{
    const QByteArray erin = signIn(QStringLiteral("erin"));
    QVERIFY(!erin.isEmpty());
    // Many creations in flight at once (several connections): exactly the quota succeeds.
    QNetworkAccessManager nam;
    constexpr int attempts = 12;
    int finished = 0;
    QList<int> statuses;
    for (int i = 0; i < attempts; ++i) {
        QNetworkRequest request(m_server.url(sessionsPath));
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        request.setRawHeader("Authorization", "Bearer " + erin);
        QNetworkReply *reply = nam.post(request, QByteArrayLiteral("{}"));
        connect(reply, &QNetworkReply::finished, this, [&, reply] {
            statuses.append(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
            reply->deleteLater();
            ++finished;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(finished, attempts, 30000);
    QCOMPARE(statuses.count(201), maxSessions);
    QCOMPARE(statuses.count(403), attempts - maxSessions);
    QCOMPARE(listSize(erin, sessionsPath, QStringLiteral("sessions")), maxSessions);
}

void TestQuotas::rejectionsAreCounted()
{
    const QByteArray metrics = m_http->get(QStringLiteral("/metrics")).body;
    for (const char *series : { "sluice_quota_rejections_total{quota=\"sessions_per_user\"}",
                                "sluice_quota_rejections_total{quota=\"prompts_per_user\"}",
                                "sluice_quota_rejections_total{quota=\"events_per_prompt\"}",
                                "sluice_quota_rejections_total{quota=\"bytes_per_prompt\"}" })
        QVERIFY2(metrics.contains(series), series);
}

QTEST_GUILESS_MAIN(TestQuotas)
#include "tst_quotas.moc"
