// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The stream API against the real sluice-server: the three auth modes, token mistakes, CORS on
// every stream reply, the events route (validation, 409 after done), Last-Event-ID handling
// (400, replay of a finished prompt, 204), publishing during replay, logout ending streams, a
// bearer-opened stream ending at its access token's expiry.
#include "auth/tokencraft.h"
#include "stream/ssereader.h"
#include "stream/streamtestsupport.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace Sluice::Test;

namespace {
const QByteArray origin = QByteArrayLiteral("http://localhost:5173");
constexpr int waitMs = 30000;
} // namespace

class tst_StreamApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(
            m_server.start({ QStringLiteral("--cors-origins"), QString::fromLatin1(origin),
                             QStringLiteral("--cookie-mode"), QStringLiteral("on"),
                             QStringLiteral("--heartbeat-interval"), QStringLiteral("300ms") }),
            qPrintable(m_server.errorString()));
        QVERIFY(m_f.setUp(m_server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
    }

    void authModes_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::newRow("stream token") << QStringLiteral("token");
        QTest::newRow("bearer header") << QStringLiteral("bearer");
        QTest::newRow("cookie") << QStringLiteral("cookie");
    }
    void authModes()
    {
        QFETCH(QString, mode);
        QVERIFY(m_f.newPrompt());
        QVERIFY(m_f.publish(QStringLiteral("message"), { { QStringLiteral("text"), 1 } }) == 1);
        QString path = m_f.promptPath(QStringLiteral("stream"));
        SseReader::Headers headers { { "Origin", origin } };
        if (mode == u"token") {
            path += QStringLiteral("?stream_token=") + QString::fromLatin1(streamToken());
        } else if (mode == u"bearer") {
            headers.append({ "Authorization", m_f.bearerHeader() });
        } else {
            headers.append({ "Cookie", "sluice_access=" + m_f.token });
        }
        SseReader reader(m_server.port());
        reader.open(path, headers);
        QTRY_VERIFY_WITH_TIMEOUT(reader.events().size() >= 2, waitMs);
        QCOMPARE(reader.status(), 200);
        QCOMPARE(reader.header("Content-Type"), QByteArray("text/event-stream; charset=utf-8"));
        QCOMPARE(reader.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(reader.header("X-Accel-Buffering"), QByteArray("no"));
        QCOMPARE(reader.header("Referrer-Policy"), QByteArray("no-referrer"));
        QCOMPARE(reader.header("Transfer-Encoding"), QByteArray("chunked"));
        QCOMPARE(reader.header("Access-Control-Allow-Origin"), origin);
        QCOMPARE(reader.header("Access-Control-Allow-Credentials"), QByteArray("true"));
        QVERIFY(reader.header("Vary").contains("Origin"));
        QCOMPARE(reader.events().at(0).type, QByteArray("connected"));
        QCOMPARE(reader.events().at(1).id, 1);
        QCOMPARE(reader.events().at(1).type, QByteArray("message"));
        QCOMPARE(reader.events().at(1).data, QByteArray(R"({"text":1})"));
        // heartbeats arrive as comments
        QTRY_VERIFY_WITH_TIMEOUT(!reader.comments().isEmpty(), waitMs);
        // a live event
        QCOMPARE(m_f.publish(QStringLiteral("status")), 2);
        QTRY_COMPARE_WITH_TIMEOUT(reader.events().size(), 3, waitMs);
        QCOMPARE(reader.events().at(2).id, 2);
    }

    void rejections_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QByteArray>("authorization");
        QTest::addColumn<int>("status");
        QTest::newRow("no credentials") << QString() << QByteArray() << 401;
        QTest::newRow("access token as stream_token")
            << QStringLiteral("stream_token=ACCESS") << QByteArray() << 401;
        QTest::newRow("access_token in query")
            << QStringLiteral("access_token=ACCESS") << QByteArray() << 401;
        QTest::newRow("expired stream token")
            << QStringLiteral("stream_token=EXPIRED") << QByteArray() << 401;
        QTest::newRow("another prompt's stream token")
            << QStringLiteral("stream_token=OTHER") << QByteArray() << 403;
        QTest::newRow("stream token as bearer") << QString() << QByteArray("STREAM") << 401;
        QTest::newRow("invalid Last-Event-ID")
            << QStringLiteral("last_event_id=abc") << QByteArray("ACCESS") << 400;
        QTest::newRow("negative last_event_id")
            << QStringLiteral("last_event_id=-1") << QByteArray("ACCESS") << 400;
    }
    void rejections()
    {
        QFETCH(QString, query);
        QFETCH(QByteArray, authorization);
        QFETCH(int, status);
        QVERIFY(m_f.newPrompt());
        const QByteArray stream = streamToken();
        const QString otherPrompt = m_f.promptId;
        const QByteArray otherToken = streamToken();
        QVERIFY(m_f.newPrompt());
        const QByteArray ownToken = streamToken();
        const QJsonObject claims = SluiceTest::payloadOf(ownToken);
        QFile keyFile(m_server.dataDir() + QStringLiteral("/stream.key"));
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QByteArray expired = SluiceTest::craftToken(
            SluiceTest::jwtHeader(QStringLiteral("HS256"), QStringLiteral("stream+jwt")),
            SluiceTest::streamClaims(claims.value(QStringLiteral("sub")).toString(), m_f.sessionId,
                                     m_f.promptId, 1000, 120),
            keyFile.readAll().trimmed());
        auto substitute = [&](QByteArray text) {
            text.replace("EXPIRED", expired).replace("OTHER", otherToken);
            text.replace("STREAM", QByteArray("Bearer " + stream)).replace("ACCESS", m_f.token);
            return text;
        };
        if (authorization == "ACCESS")
            authorization = m_f.bearerHeader();
        QString path = m_f.promptPath(QStringLiteral("stream"));
        if (!query.isEmpty())
            path += u'?' + QString::fromLatin1(substitute(query.toLatin1()));
        SseReader::Headers headers { { "Origin", origin } };
        if (!authorization.isEmpty())
            headers.append({ "Authorization", substitute(authorization) });
        SseReader reader(m_server.port());
        reader.open(path, headers);
        QTRY_VERIFY_WITH_TIMEOUT(reader.headersReceived(), waitMs);
        QCOMPARE(reader.status(), status);
        QCOMPARE(reader.header("Access-Control-Allow-Origin"), origin);
        QVERIFY(reader.header("Vary").contains("Origin"));
        QVERIFY(!reader.header("Access-Control-Allow-Origin").contains('*'));
        QTRY_VERIFY_WITH_TIMEOUT(reader.body().contains("\"code\""), waitMs);
        Q_UNUSED(otherPrompt);
        // the request log never shows a token
        const QString log = m_server.logOutput();
        QVERIFY(!log.contains(QString::fromLatin1(stream)));
        QVERIFY(!log.contains(QString::fromLatin1(m_f.token)));
    }

    void streamTokenRoute()
    {
        const HttpResponse r = m_f.http->post(m_f.promptPath(QStringLiteral("stream-token")), {},
                                              HttpClient::bearer(m_f.token));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
        QVERIFY(!r.object().value(QStringLiteral("token")).toString().isEmpty());
        QCOMPARE(r.object().value(QStringLiteral("expiresIn")).toInt(), 120);
        QCOMPARE(m_f.http->post(m_f.promptPath(QStringLiteral("stream-token")), {}).status, 401);
        // another user's prompt is not found
        StreamFixture bob;
        QVERIFY(bob.setUp(m_server, QStringLiteral("bob"), QStringLiteral("bob-password-1")));
        QCOMPARE(m_f.http
                     ->post(bob.promptPath(QStringLiteral("stream-token")), {},
                            HttpClient::bearer(m_f.token))
                     .status,
                 404);
        QCOMPARE(m_f.http
                     ->postJson(bob.promptPath(QStringLiteral("events")),
                                { { QStringLiteral("type"), QStringLiteral("status") } },
                                HttpClient::bearer(m_f.token))
                     .status,
                 404);
    }

    void eventsRoute()
    {
        QVERIFY(m_f.newPrompt());
        QCOMPARE(m_f.post(QStringLiteral("bogus")).status, 400);
        const HttpResponse notObject
            = m_f.http->postJson(m_f.promptPath(QStringLiteral("events")),
                                 { { QStringLiteral("type"), QStringLiteral("message") },
                                   { QStringLiteral("data"), QStringLiteral("text") } },
                                 HttpClient::bearer(m_f.token));
        QCOMPARE(notObject.status, 400);
        QCOMPARE(notObject.errorCode(), QStringLiteral("VALIDATION_ERROR"));
        QCOMPARE(m_f.publish(QStringLiteral("message"), { { QStringLiteral("delta"), 1 } }), 1);
        QCOMPARE(m_f.publish(QStringLiteral("tool_use"), { { QStringLiteral("name"), 1 } }), 2);
        QCOMPARE(m_f.publish(QStringLiteral("tool_result")), 3);
        QCOMPARE(m_f.publish(QStringLiteral("error")), 4);
        QCOMPARE(m_f.publish(QStringLiteral("done")), 5);
        const HttpResponse after = m_f.post(QStringLiteral("message"));
        QCOMPARE(after.status, 409);
        QCOMPARE(after.errorCode(), QStringLiteral("CONFLICT"));

        // finished prompt: replay what is missing, `done`, then the server closes
        SseReader reader(m_server.port());
        reader.open(m_f.promptPath(QStringLiteral("stream")),
                    { { "Authorization", m_f.bearerHeader() }, { "Last-Event-ID", "2" } });
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QVERIFY(reader.sawEndChunk());
        QList<qint64> ids;
        for (const SseEvent &e : reader.events())
            ids.append(e.id);
        QCOMPARE(ids, (QList<qint64> { 0, 3, 4, 5 }));
        QCOMPARE(reader.events().constLast().type, QByteArray("done"));

        // after done → 204 (header and query forms)
        for (const auto &h :
             { SseReader::Headers { { "Last-Event-ID", "5" } }, SseReader::Headers {} }) {
            SseReader again(m_server.port());
            SseReader::Headers headers = h;
            headers.append({ "Authorization", m_f.bearerHeader() });
            headers.append({ "Origin", origin });
            again.open(m_f.promptPath(QStringLiteral("stream"))
                           + (h.isEmpty() ? QStringLiteral("?last_event_id=5") : QString()),
                       headers);
            QTRY_VERIFY_WITH_TIMEOUT(again.headersReceived(), waitMs);
            QCOMPARE(again.status(), 204);
            QCOMPARE(again.header("Access-Control-Allow-Origin"), origin);
        }
    }

    void publishDuringReplay()
    {
        QVERIFY(m_f.newPrompt());
        for (int i = 0; i < 100; ++i)
            QVERIFY(m_f.publish(QStringLiteral("message")) > 0);
        SseReader reader(m_server.port());
        m_f.openStream(reader);
        // publish while the stream connects and replays
        for (int i = 0; i < 100; ++i)
            QVERIFY(m_f.publish(QStringLiteral("message")) > 0);
        QCOMPARE(m_f.publish(QStringLiteral("done")), 201);
        QTRY_VERIFY_WITH_TIMEOUT(reader.isFinished(), waitMs);
        QList<qint64> ids;
        for (const SseEvent &e : reader.events()) {
            if (e.id > 0)
                ids.append(e.id);
        }
        QList<qint64> expected;
        for (qint64 i = 1; i <= 201; ++i)
            expected.append(i);
        QCOMPARE(ids, expected);
    }

    // A request pipelined behind a stream's GET (in the same packet, or sent once the stream
    // runs) can never be answered in order: it is dropped, and nothing but SSE reaches the
    // client (QHttpServer 6.4 alone would write its reply into the stream's chunked body).
    void pipelinedRequestBehindStreamIsDropped()
    {
        QVERIFY(m_f.newPrompt());
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_server.port());
        QVERIFY(socket.waitForConnected(waitMs));
        const QByteArray path = m_f.promptPath(QStringLiteral("stream")).toLatin1();
        const QByteArray healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        socket.write("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + m_f.bearerHeader()
                     + "\r\n\r\n" + healthz);
        QByteArray received;
        const auto readUntil = [&](const QByteArray &what) {
            QElapsedTimer clock;
            clock.start();
            while (!received.contains(what) && clock.elapsed() < waitMs) {
                socket.waitForReadyRead(100);
                received += socket.readAll();
            }
            return received.contains(what);
        };
        QVERIFY(readUntil("event: connected"));
        socket.write(healthz);
        QVERIFY(m_f.publish(QStringLiteral("message"), { { QStringLiteral("n"), 1 } }) > 0);
        QVERIFY(readUntil("\"n\":1"));
        // Two heartbeats later, in case a late reply was on its way.
        const QByteArray heartbeat = "\r\n: \n";
        const qsizetype heartbeats = received.count(heartbeat);
        QTRY_VERIFY_WITH_TIMEOUT((received += socket.readAll()).count(heartbeat) >= heartbeats + 2,
                                 waitMs);
        QCOMPARE(received.count("HTTP/1.1 "), 1);
        QVERIFY(received.startsWith("HTTP/1.1 200"));
        QVERIFY(!received.contains("\"status\":\"ok\""));
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    }

    void logoutEndsStreams()
    {
        StreamFixture carol;
        QVERIFY(carol.setUp(m_server, QStringLiteral("carol"), QStringLiteral("carol-password")));
        SseReader a(m_server.port());
        carol.openStream(a);
        SseReader other(m_server.port()); // alice's stream stays open
        QVERIFY(m_f.newPrompt());
        m_f.openStream(other);
        QTRY_VERIFY_WITH_TIMEOUT(!a.events().isEmpty() && !other.events().isEmpty(), waitMs);
        QCOMPARE(carol.http
                     ->post(QStringLiteral("/api/auth/logout"), {}, HttpClient::bearer(carol.token))
                     .status,
                 204);
        QTRY_VERIFY_WITH_TIMEOUT(a.isFinished(), waitMs);
        QVERIFY(a.sawEndChunk());
        QVERIFY(a.comments().contains("logged out"));
        QVERIFY(!other.isFinished());
    }

    // A stream opened with `Authorization: Bearer <access token>` ends at that token's expiry (a
    // final comment, then the end chunk); a long-lived token's stream on the same prompt stays
    // open.
    void accessTokenExpiryEndsStream()
    {
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--token-leeway"), QStringLiteral("0s") }),
                 qPrintable(server.errorString()));
        StreamFixture dave;
        QVERIFY(dave.setUp(server, QStringLiteral("dave"), QStringLiteral("dave-password-1")));
        QFile keyFile(server.dataDir() + QStringLiteral("/access.key"));
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QString sub
            = SluiceTest::payloadOf(dave.token).value(QStringLiteral("sub")).toString();
        QVERIFY(!sub.isEmpty());
        const QByteArray shortLived = SluiceTest::craftToken(
            SluiceTest::jwtHeader(QStringLiteral("HS256"), QStringLiteral("at+jwt")),
            SluiceTest::accessClaims(sub, 0, 4), keyFile.readAll().trimmed());

        const QString path = dave.promptPath(QStringLiteral("stream"));
        SseReader expiring(server.port());
        expiring.open(path, { { "Authorization", QByteArray("Bearer " + shortLived) } });
        SseReader longLived(server.port());
        longLived.open(path, { { "Authorization", dave.bearerHeader() } });
        QTRY_VERIFY_WITH_TIMEOUT(!expiring.events().isEmpty() && !longLived.events().isEmpty(),
                                 waitMs);
        QCOMPARE(expiring.status(), 200);
        QCOMPARE(longLived.status(), 200);
        QCOMPARE(expiring.events().at(0).type, QByteArray("connected"));

        QTRY_VERIFY_WITH_TIMEOUT(expiring.isFinished(), 15000);
        QVERIFY(expiring.sawEndChunk());
        QVERIFY(expiring.comments().contains("credential expired, reconnect with a fresh one"));
        QVERIFY(!longLived.isFinished());
        // the other stream still delivers live events
        const int before = int(longLived.events().size());
        QVERIFY(dave.publish(QStringLiteral("message")) > 0);
        QTRY_COMPARE_WITH_TIMEOUT(int(longLived.events().size()), before + 1, waitMs);
        QVERIFY(!longLived.isFinished());
    }

private:
    QByteArray streamToken()
    {
        const HttpResponse r = m_f.http->post(m_f.promptPath(QStringLiteral("stream-token")), {},
                                              HttpClient::bearer(m_f.token));
        return r.object().value(QStringLiteral("token")).toString().toLatin1();
    }

    ServerProcess m_server;
    StreamFixture m_f;
};

QTEST_GUILESS_MAIN(tst_StreamApi)
#include "tst_streamapi.moc"
