// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The per-prompt publish rate limit against the real server (--publish-rate 1 --publish-burst 3):
// a burst passes, the next event is refused with 429 RATE_LIMITED and a Retry-After, nothing is
// stored for it, other prompts are not affected, and after the wait the producer goes on where it
// stopped. Refusals are counted in /metrics.
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtTest/QtTest>

using namespace Sluice::Test;

namespace {
const QString password = QStringLiteral("a long enough password");
constexpr int burst = 3;
} // namespace

class TestPublishRate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_server.addUser(QStringLiteral("alice"), password));
        QVERIFY2(m_server.start({ QStringLiteral("--publish-rate"), QStringLiteral("1"),
                                  QStringLiteral("--publish-burst"), QString::number(burst) }),
                 qPrintable(m_server.errorString()));
        m_http = std::make_unique<HttpClient>(m_server.baseUrl());
        m_token = m_http->login(QStringLiteral("alice"), password);
        QVERIFY(!m_token.isEmpty());
        const auto session = m_http->postJson(QStringLiteral("/api/claude-code/sessions"), {},
                                              HttpClient::bearer(m_token));
        m_sessionId = session.object().value(QLatin1String("id")).toString();
        QVERIFY(!m_sessionId.isEmpty());
    }

    void burstThenRetryAfter()
    {
        const QString prompt = newPrompt();
        QVERIFY(!prompt.isEmpty());
        for (int i = 1; i <= burst; ++i)
            QCOMPARE(eventId(post(prompt)), i);

        const HttpResponse refused = post(prompt);
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.errorCode(), QStringLiteral("RATE_LIMITED"));
        QCOMPARE(refused.header("Retry-After"), QByteArray("1"));
        const QString message = refused.object().value(QLatin1String("error")).toString();
        QVERIFY2(message.contains(QStringLiteral("1 per second")), qPrintable(message));

        // Another prompt has its own budget.
        const QString other = newPrompt();
        QCOMPARE(eventId(post(other)), 1);

        // After the wait the producer continues; the refused event took no sequence number.
        // (QTRY_VERIFY evaluates its expression once more at the end: post only until accepted.)
        HttpResponse accepted;
        const auto acceptedOnce = [&] {
            if (accepted.status != 201)
                accepted = post(prompt);
            return accepted.status == 201;
        };
        QTRY_VERIFY_WITH_TIMEOUT(acceptedOnce(), 10000);
        QCOMPARE(eventId(accepted), burst + 1);

        const QByteArray metrics = m_http->get(QStringLiteral("/metrics")).body;
        QVERIFY2(!metrics.contains("sluice_publish_rate_limited_total 0\n"), metrics.constData());
        QVERIFY(metrics.contains("sluice_publish_rate_limited_total "));
    }

private:
    QString newPrompt()
    {
        const auto reply = m_http->postJson(
            QStringLiteral("/api/claude-code/sessions/%1/prompts").arg(m_sessionId),
            { { QStringLiteral("text"), QStringLiteral("p") } }, HttpClient::bearer(m_token));
        return reply.object().value(QLatin1String("id")).toString();
    }

    HttpResponse post(const QString &promptId)
    {
        return m_http->postJson(
            QStringLiteral("/api/claude-code/sessions/%1/prompts/%2/events")
                .arg(m_sessionId, promptId),
            { { QStringLiteral("type"), QStringLiteral("message") },
              { QStringLiteral("data"), QJsonObject { { QStringLiteral("t"), 1 } } } },
            HttpClient::bearer(m_token));
    }

    static int eventId(const HttpResponse &reply)
    {
        return reply.status == 201 ? reply.object().value(QLatin1String("id")).toInt()
                                   : -reply.status;
    }

    ServerProcess m_server;
    std::unique_ptr<HttpClient> m_http;
    QByteArray m_token;
    QString m_sessionId;
};

QTEST_GUILESS_MAIN(TestPublishRate)
#include "tst_publishrate.moc"
