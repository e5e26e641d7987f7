// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Sessions and prompts API against the real server: shapes, ownership (another user's ids are
// 404, never listed), and a bad-input table per route — each answered with the documented status
// and error JSON, never a 500, never a partial write (list counts are checked after every row).
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QJsonArray>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtTest/QtTest>

using namespace Sluice::Test;

namespace {
const QString sessionsPath = QStringLiteral("/api/claude-code/sessions");
const QString alicePassword = QStringLiteral("alice's long password");
const QString bobPassword = QStringLiteral("bob's long password");
constexpr int maxBodyBytes = 4096;

bool isIsoUtcWithMs(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$"));
    return re.match(text).hasMatch();
}
} // namespace

class TestSessionsApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void createAndReadSessionsAndPrompts();
    void idsAreRandom();
    void ownership();
    void badInput_data();
    void badInput();
    void noSecretInLog();

private:
    int sessionCount(const QByteArray &token);
    int promptCount(const QByteArray &token, const QString &sessionId);
    Headers auth(const QByteArray &token) const { return HttpClient::bearer(token); }

    ServerProcess m_server;
    QByteArray m_alice;
    QByteArray m_bob;
    QString m_aliceSession; // has one prompt, m_alicePrompt
    QString m_alicePrompt;
    QString m_bobSession;
};

void TestSessionsApi::initTestCase()
{
    QVERIFY2(m_server.addUser(QStringLiteral("alice"), alicePassword),
             qPrintable(m_server.errorString()));
    QVERIFY2(m_server.addUser(QStringLiteral("bob"), bobPassword),
             qPrintable(m_server.errorString()));
    QVERIFY2(m_server.start({ QStringLiteral("--max-body-bytes"), QString::number(maxBodyBytes) }),
             qPrintable(m_server.errorString()));
    HttpClient http(m_server.baseUrl());
    m_alice = http.login(QStringLiteral("alice"), alicePassword);
    m_bob = http.login(QStringLiteral("bob"), bobPassword);
    QVERIFY(!m_alice.isEmpty());
    QVERIFY(!m_bob.isEmpty());

    auto reply = http.postJson(sessionsPath, { { QStringLiteral("title"), QStringLiteral("A") } },
                               auth(m_alice));
    QCOMPARE(reply.status, 201);
    m_aliceSession = reply.object().value(QLatin1String("id")).toString();
    reply = http.postJson(sessionsPath + u'/' + m_aliceSession + QStringLiteral("/prompts"),
                          { { QStringLiteral("text"), QStringLiteral("first prompt") } },
                          auth(m_alice));
    QCOMPARE(reply.status, 201);
    m_alicePrompt = reply.object().value(QLatin1String("id")).toString();
    reply = http.postJson(sessionsPath, { { QStringLiteral("title"), QStringLiteral("B") } },
                          auth(m_bob));
    QCOMPARE(reply.status, 201);
    m_bobSession = reply.object().value(QLatin1String("id")).toString();
}

int TestSessionsApi::sessionCount(const QByteArray &token)
{
    HttpClient http(m_server.baseUrl());
    const auto reply = http.get(sessionsPath, auth(token));
    if (reply.status != 200)
        return -1;
    return int(reply.object().value(QLatin1String("sessions")).toArray().size());
}

int TestSessionsApi::promptCount(const QByteArray &token, const QString &sessionId)
{
    HttpClient http(m_server.baseUrl());
    const auto reply
        = http.get(sessionsPath + u'/' + sessionId + QStringLiteral("/prompts"), auth(token));
    if (reply.status != 200)
        return -1;
    return int(reply.object().value(QLatin1String("prompts")).toArray().size());
}

void TestSessionsApi::createAndReadSessionsAndPrompts()
{
    HttpClient http(m_server.baseUrl());
    const int before = sessionCount(m_alice);

    // No body at all: an untitled session.
    auto created = http.post(sessionsPath, {}, auth(m_alice));
    QCOMPARE(created.status, 201);
    QCOMPARE(created.object().value(QLatin1String("title")).toString(), QString());
    QVERIFY(created.object().value(QLatin1String("title")).isString());

    const QString title = QStringLiteral("Ünïcødé title ✓");
    created = http.postJson(sessionsPath, { { QStringLiteral("title"), title } }, auth(m_alice));
    QCOMPARE(created.status, 201);
    const QJsonObject session = created.object();
    QCOMPARE(session.keys(),
             (QStringList { QStringLiteral("createdAt"), QStringLiteral("id"),
                            QStringLiteral("title") }));
    QCOMPARE(session.value(QLatin1String("title")).toString(), title);
    QVERIFY2(isIsoUtcWithMs(session.value(QLatin1String("createdAt")).toString()),
             qPrintable(session.value(QLatin1String("createdAt")).toString()));
    const QString sid = session.value(QLatin1String("id")).toString();
    QCOMPARE(created.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(created.header("Cache-Control"), QByteArray("no-store"));

    QCOMPARE(sessionCount(m_alice), before + 2);
    auto list = http.get(sessionsPath, auth(m_alice));
    QCOMPARE(list.object().value(QLatin1String("sessions")).toArray().first().toObject(),
             session); // newest first

    auto one = http.get(sessionsPath + u'/' + sid, auth(m_alice));
    QCOMPARE(one.status, 200);
    QCOMPARE(one.object(), session);

    const QString promptsPath = sessionsPath + u'/' + sid + QStringLiteral("/prompts");
    QCOMPARE(promptCount(m_alice, sid), 0);
    auto prompt = http.postJson(
        promptsPath, { { QStringLiteral("text"), QStringLiteral("hello") } }, auth(m_alice));
    QCOMPARE(prompt.status, 201);
    const QJsonObject p = prompt.object();
    QCOMPARE(p.keys(),
             (QStringList { QStringLiteral("createdAt"), QStringLiteral("id"),
                            QStringLiteral("sessionId"), QStringLiteral("status"),
                            QStringLiteral("text") }));
    QCOMPARE(p.value(QLatin1String("sessionId")).toString(), sid);
    QCOMPARE(p.value(QLatin1String("text")).toString(), QStringLiteral("hello"));
    QCOMPARE(p.value(QLatin1String("status")).toString(), QStringLiteral("pending"));
    QVERIFY(isIsoUtcWithMs(p.value(QLatin1String("createdAt")).toString()));
    auto second = http.postJson(
        promptsPath, { { QStringLiteral("text"), QStringLiteral("again") } }, auth(m_alice));
    QCOMPARE(second.status, 201);

    auto prompts = http.get(promptsPath, auth(m_alice));
    QCOMPARE(prompts.status, 200);
    const QJsonArray items = prompts.object().value(QLatin1String("prompts")).toArray();
    QCOMPARE(items.size(), 2);
    QCOMPARE(items.at(0).toObject(), p); // oldest first
    auto fetched
        = http.get(promptsPath + u'/' + p.value(QLatin1String("id")).toString(), auth(m_alice));
    QCOMPARE(fetched.status, 200);
    QCOMPARE(fetched.object(), p);
}

void TestSessionsApi::idsAreRandom()
{
    HttpClient http(m_server.baseUrl());
    QSet<QString> ids;
    QString previous;
    for (int i = 0; i < 5; ++i) {
        const auto reply = http.post(sessionsPath, {}, auth(m_bob));
        QCOMPARE(reply.status, 201);
        const QString id = reply.object().value(QLatin1String("id")).toString();
        QVERIFY2(id.size() >= 16, qPrintable(id)); // at least 64 bits when hex
        QVERIFY(!ids.contains(id));
        bool numeric = false;
        id.toLongLong(&numeric);
        QVERIFY2(!numeric, qPrintable(id));
        ids.insert(id);
    }
}

void TestSessionsApi::ownership()
{
    HttpClient http(m_server.baseUrl());
    const int aliceSessions = sessionCount(m_alice);
    const int alicePrompts = promptCount(m_alice, m_aliceSession);
    QVERIFY(aliceSessions > 0);
    QCOMPARE(alicePrompts, 1);

    // Bob's list never shows Alice's sessions.
    const auto bobList = http.get(sessionsPath, auth(m_bob));
    QCOMPARE(bobList.status, 200);
    for (const auto &value : bobList.object().value(QLatin1String("sessions")).toArray())
        QVERIFY(value.toObject().value(QLatin1String("id")).toString() != m_aliceSession);

    const QString aliceSessionPath = sessionsPath + u'/' + m_aliceSession;
    const QList<QPair<QByteArray, QString>> foreign {
        { "GET", aliceSessionPath },
        { "GET", aliceSessionPath + QStringLiteral("/prompts") },
        { "POST", aliceSessionPath + QStringLiteral("/prompts") },
        { "GET", aliceSessionPath + QStringLiteral("/prompts/") + m_alicePrompt },
        // Alice's prompt through Bob's own session.
        { "GET", sessionsPath + u'/' + m_bobSession + QStringLiteral("/prompts/") + m_alicePrompt },
    };
    for (const auto &[method, path] : foreign) {
        Headers headers = auth(m_bob);
        QByteArray body;
        if (method == "POST") {
            headers.append(
                { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
            body = R"({"text":"bob was here"})";
        }
        const auto reply = http.request(method, path, body, headers);
        QVERIFY2(reply.status == 404, qPrintable(QString::fromLatin1(method) + u' ' + path));
        QCOMPARE(reply.errorCode(), QStringLiteral("NOT_FOUND"));
        // Same answer as for an id that does not exist at all.
        const auto unknown = http.get(
            sessionsPath + QStringLiteral("/0123456789abcdef0123456789abcdef"), auth(m_bob));
        QCOMPARE(unknown.status, 404);
        QCOMPARE(unknown.object().value(QLatin1String("error")),
                 http.get(aliceSessionPath, auth(m_bob)).object().value(QLatin1String("error")));
    }
    QCOMPARE(sessionCount(m_alice), aliceSessions);
    QCOMPARE(promptCount(m_alice, m_aliceSession), alicePrompts);
}

void TestSessionsApi::badInput_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path"); // {sid}, {pid}, {bobsid} are substituted
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("token"); // alice, none, garbage, malformed
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message"); // fragment of "error"

    const QByteArray json = "application/json";
    const QString s = sessionsPath;
    const QString one = sessionsPath + QStringLiteral("/{sid}");
    const QString ps = one + QStringLiteral("/prompts");
    const QString p = ps + QStringLiteral("/{pid}");
    const QString alice = QStringLiteral("alice");
    const QString V = QStringLiteral("VALIDATION_ERROR");
    const QByteArray big = "{\"text\":\"" + QByteArray(maxBodyBytes + 10, 'x') + "\"}";

    // POST /sessions
    QTest::newRow("sessions: malformed JSON")
        << QByteArray("POST") << s << QByteArray("{\"title\":") << json << alice << 400 << V
        << QStringLiteral("malformed JSON");
    QTest::newRow("sessions: array body")
        << QByteArray("POST") << s << QByteArray("[]") << json << alice << 400 << V
        << QStringLiteral("must be a JSON object");
    QTest::newRow("sessions: string body")
        << QByteArray("POST") << s << QByteArray("\"x\"") << json << alice << 400 << V << QString();
    QTest::newRow("sessions: title number")
        << QByteArray("POST") << s << QByteArray("{\"title\":5}") << json << alice << 400 << V
        << QStringLiteral("field \"title\" must be a string, got a number");
    QTest::newRow("sessions: title object")
        << QByteArray("POST") << s << QByteArray("{\"title\":{}}") << json << alice << 400 << V
        << QStringLiteral("\"title\" must be a string, got an object");
    QTest::newRow("sessions: title too long")
        << QByteArray("POST") << s << QByteArray("{\"title\":\"" + QByteArray(201, 'a') + "\"}")
        << json << alice << 400 << V << QStringLiteral("\"title\" must be at most 200 characters");
    QTest::newRow("sessions: text/plain")
        << QByteArray("POST") << s << QByteArray("{\"title\":\"t\"}") << QByteArray("text/plain")
        << alice << 415 << QStringLiteral("UNSUPPORTED_MEDIA_TYPE")
        << QStringLiteral("application/json");
    QTest::newRow("sessions: form")
        << QByteArray("POST") << s << QByteArray("title=t")
        << QByteArray("application/x-www-form-urlencoded") << alice << 415
        << QStringLiteral("UNSUPPORTED_MEDIA_TYPE") << QStringLiteral("application/json");
    QTest::newRow("sessions: too large")
        << QByteArray("POST") << s << big << json << alice << 413
        << QStringLiteral("PAYLOAD_TOO_LARGE") << QStringLiteral("exceeds");
    QTest::newRow("sessions: no token")
        << QByteArray("POST") << s << QByteArray("{}") << json << QStringLiteral("none") << 401
        << QStringLiteral("AUTHENTICATION_ERROR") << QString();
    QTest::newRow("sessions: garbage token")
        << QByteArray("POST") << s << QByteArray("{}") << json << QStringLiteral("garbage") << 401
        << QStringLiteral("AUTHENTICATION_ERROR") << QString();
    QTest::newRow("sessions: Basic auth")
        << QByteArray("POST") << s << QByteArray("{}") << json << QStringLiteral("basic") << 401
        << QStringLiteral("AUTHENTICATION_ERROR") << QString();
    QTest::newRow("sessions: DELETE")
        << QByteArray("DELETE") << s << QByteArray() << QByteArray() << alice << 405
        << QStringLiteral("METHOD_NOT_ALLOWED") << QStringLiteral("not allowed");
    QTest::newRow("sessions: PUT") << QByteArray("PUT") << s << QByteArray("{}") << json << alice
                                   << 405 << QStringLiteral("METHOD_NOT_ALLOWED") << QString();
    // GET /sessions
    QTest::newRow("list sessions: no token")
        << QByteArray("GET") << s << QByteArray() << QByteArray() << QStringLiteral("none") << 401
        << QStringLiteral("AUTHENTICATION_ERROR") << QString();
    // GET /sessions/{sid}
    QTest::newRow("session: unknown id")
        << QByteArray("GET") << sessionsPath + QStringLiteral("/ffffffffffffffffffffffffffffffff")
        << QByteArray() << QByteArray() << alice << 404 << QStringLiteral("NOT_FOUND")
        << QStringLiteral("session not found");
    QTest::newRow("session: very long id")
        << QByteArray("GET") << sessionsPath + u'/' + QString(300, u'a') << QByteArray()
        << QByteArray() << alice << 404 << QStringLiteral("NOT_FOUND") << QString();
    QTest::newRow("session: SQL-ish id")
        << QByteArray("GET") << sessionsPath + QStringLiteral("/x'%20OR%20'1'='1") << QByteArray()
        << QByteArray() << alice << 404 << QStringLiteral("NOT_FOUND") << QString();
    QTest::newRow("session: no token")
        << QByteArray("GET") << one << QByteArray() << QByteArray() << QStringLiteral("none") << 401
        << QStringLiteral("AUTHENTICATION_ERROR") << QString();
    QTest::newRow("session: POST") << QByteArray("POST") << one << QByteArray("{}") << json << alice
                                   << 405 << QStringLiteral("METHOD_NOT_ALLOWED") << QString();
    // POST /sessions/{sid}/prompts
    QTest::newRow("prompts: missing text")
        << QByteArray("POST") << ps << QByteArray("{}") << json << alice << 400 << V
        << QStringLiteral("field \"text\" is required");
    QTest::newRow("prompts: empty body")
        << QByteArray("POST") << ps << QByteArray() << json << alice << 400 << V
        << QStringLiteral("field \"text\" is required");
    QTest::newRow("prompts: text null")
        << QByteArray("POST") << ps << QByteArray("{\"text\":null}") << json << alice << 400 << V
        << QStringLiteral("\"text\" must be a string, got null");
    QTest::newRow("prompts: text number")
        << QByteArray("POST") << ps << QByteArray("{\"text\":1}") << json << alice << 400 << V
        << QStringLiteral("\"text\" must be a string, got a number");
    QTest::newRow("prompts: text array")
        << QByteArray("POST") << ps << QByteArray("{\"text\":[\"a\"]}") << json << alice << 400 << V
        << QStringLiteral("got an array");
    QTest::newRow("prompts: text bool")
        << QByteArray("POST") << ps << QByteArray("{\"text\":true}") << json << alice << 400 << V
        << QStringLiteral("got a boolean");
    QTest::newRow("prompts: text empty")
        << QByteArray("POST") << ps << QByteArray("{\"text\":\"\"}") << json << alice << 400 << V
        << QStringLiteral("\"text\" must not be empty");
    QTest::newRow("prompts: text blank")
        << QByteArray("POST") << ps << QByteArray("{\"text\":\" \\n\"}") << json << alice << 400
        << V << QStringLiteral("\"text\" must not be empty");
    QTest::newRow("prompts: malformed JSON")
        << QByteArray("POST") << ps << QByteArray("{text:1}") << json << alice << 400 << V
        << QStringLiteral("malformed JSON");
    QTest::newRow("prompts: trailing garbage")
        << QByteArray("POST") << ps << QByteArray("{\"text\":\"a\"} x") << json << alice << 400 << V
        << QStringLiteral("malformed JSON");
    QTest::newRow("prompts: too large") << QByteArray("POST") << ps << big << json << alice << 413
                                        << QStringLiteral("PAYLOAD_TOO_LARGE") << QString();
    QTest::newRow("prompts: wrong content type")
        << QByteArray("POST") << ps << QByteArray("{\"text\":\"a\"}") << QByteArray("text/plain")
        << alice << 415 << QStringLiteral("UNSUPPORTED_MEDIA_TYPE") << QString();
    QTest::newRow("prompts: unknown session")
        << QByteArray("POST")
        << sessionsPath + QStringLiteral("/ffffffffffffffffffffffffffffffff/prompts")
        << QByteArray("{\"text\":\"a\"}") << json << alice << 404 << QStringLiteral("NOT_FOUND")
        << QStringLiteral("session not found");
    QTest::newRow("prompts: another user's session")
        << QByteArray("POST") << sessionsPath + QStringLiteral("/{bobsid}/prompts")
        << QByteArray("{\"text\":\"a\"}") << json << alice << 404 << QStringLiteral("NOT_FOUND")
        << QString();
    QTest::newRow("prompts: no token")
        << QByteArray("POST") << ps << QByteArray("{\"text\":\"a\"}") << json
        << QStringLiteral("none") << 401 << QStringLiteral("AUTHENTICATION_ERROR") << QString();
    QTest::newRow("prompts: malformed token")
        << QByteArray("POST") << ps << QByteArray("{\"text\":\"a\"}") << json
        << QStringLiteral("malformed") << 401 << QStringLiteral("AUTHENTICATION_ERROR")
        << QString();
    QTest::newRow("prompts: DELETE")
        << QByteArray("DELETE") << ps << QByteArray() << QByteArray() << alice << 405
        << QStringLiteral("METHOD_NOT_ALLOWED") << QString();
    // GET /sessions/{sid}/prompts
    QTest::newRow("list prompts: unknown session")
        << QByteArray("GET")
        << sessionsPath + QStringLiteral("/ffffffffffffffffffffffffffffffff/prompts")
        << QByteArray() << QByteArray() << alice << 404 << QStringLiteral("NOT_FOUND") << QString();
    QTest::newRow("list prompts: garbage token")
        << QByteArray("GET") << ps << QByteArray() << QByteArray() << QStringLiteral("garbage")
        << 401 << QStringLiteral("AUTHENTICATION_ERROR") << QString();
    // GET /sessions/{sid}/prompts/{pid}
    QTest::newRow("prompt: unknown id")
        << QByteArray("GET") << ps + QStringLiteral("/nope") << QByteArray() << QByteArray()
        << alice << 404 << QStringLiteral("NOT_FOUND") << QStringLiteral("prompt not found");
    QTest::newRow("prompt: no token")
        << QByteArray("GET") << p << QByteArray() << QByteArray() << QStringLiteral("none") << 401
        << QStringLiteral("AUTHENTICATION_ERROR") << QString();
    QTest::newRow("prompt: POST") << QByteArray("POST") << p << QByteArray("{}") << json << alice
                                  << 405 << QStringLiteral("METHOD_NOT_ALLOWED") << QString();
    // Unknown paths under the API.
    QTest::newRow("unknown sub-resource")
        << QByteArray("GET") << one + QStringLiteral("/nothing") << QByteArray() << QByteArray()
        << alice << 404 << QStringLiteral("NOT_FOUND") << QString();
}

void TestSessionsApi::badInput()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, token);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, message);

    path.replace(QLatin1String("{sid}"), m_aliceSession)
        .replace(QLatin1String("{pid}"), m_alicePrompt)
        .replace(QLatin1String("{bobsid}"), m_bobSession);
    Headers headers;
    if (token == u"alice")
        headers = auth(m_alice);
    else if (token == u"garbage")
        headers = auth("not-a-jwt");
    else if (token == u"malformed")
        headers = auth("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
    else if (token == u"basic")
        headers = { { QByteArrayLiteral("Authorization"), QByteArrayLiteral("Basic YTpi") } };
    if (!contentType.isEmpty())
        headers.append({ QByteArrayLiteral("Content-Type"), contentType });

    const int aliceSessions = sessionCount(m_alice);
    const int alicePrompts = promptCount(m_alice, m_aliceSession);
    const int bobSessions = sessionCount(m_bob);
    const int bobPrompts = promptCount(m_bob, m_bobSession);

    HttpClient http(m_server.baseUrl());
    const HttpResponse reply = http.request(method, path, body, headers);
    QVERIFY2(
        reply.status == status,
        qPrintable(
            QStringLiteral("got %1: %2").arg(reply.status).arg(QString::fromUtf8(reply.body))));
    QCOMPARE(reply.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(reply.errorCode(), code);
    const QString error = reply.object().value(QLatin1String("error")).toString();
    QVERIFY(!error.isEmpty());
    if (!message.isEmpty())
        QVERIFY2(error.contains(message), qPrintable(error));
    if (status == 401) {
        QVERIFY(reply.header("WWW-Authenticate").startsWith("Bearer"));
        if (token == u"garbage" || token == u"malformed")
            QCOMPARE(reply.header("WWW-Authenticate"),
                     QByteArray("Bearer error=\"invalid_token\""));
        if (token == u"none")
            QCOMPARE(reply.header("WWW-Authenticate"), QByteArray("Bearer"));
    }
    if (status == 405)
        QVERIFY(reply.header("Allow").contains("OPTIONS"));

    // Nothing was written.
    QCOMPARE(sessionCount(m_alice), aliceSessions);
    QCOMPARE(promptCount(m_alice, m_aliceSession), alicePrompts);
    QCOMPARE(sessionCount(m_bob), bobSessions);
    QCOMPARE(promptCount(m_bob, m_bobSession), bobPrompts);
}

void TestSessionsApi::noSecretInLog()
{
    const QString log = m_server.logOutput();
    QVERIFY(!log.isEmpty());
    QVERIFY(!log.contains(QString::fromLatin1(m_alice)));
    QVERIFY(!log.contains(QString::fromLatin1(m_bob)));
    // The signature part alone must not appear either.
    QVERIFY(!log.contains(QString::fromLatin1(m_alice.split('.').last())));
    QVERIFY(!log.contains(alicePassword));
    QVERIFY(!log.contains(bobPassword));
    QVERIFY(!log.contains(QLatin1String(" 500 ")));
}

QTEST_GUILESS_MAIN(TestSessionsApi)
#include "tst_sessionsapi.moc"
