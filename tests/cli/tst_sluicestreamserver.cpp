// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// End to end: the real sluice-stream binary in its server form (--server: sign in, follow a
// prompt with AuthSession + PromptStream) against the real sluice-server in demo mode.
#include "streamprocess.h"
#include "support/httpclient.h"
#include "support/serverprocess.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using Sluice::Test::HttpClient;
using Sluice::Test::ServerProcess;
using SluiceStream::Testing::StreamProcess;

namespace {

// Generous: ASan on a loaded 2-core machine.
constexpr int waitMs = 60000;

// A user of its own for the tests that fail to sign in on purpose: the demo user must not be
// rate limited by them.
const QString otherUser = QStringLiteral("cli-tester");
const QString otherPassword = QStringLiteral("a long enough password for the cli tests");

QStringList args(std::initializer_list<const char *> list)
{
    QStringList result;
    for (const char *item : list)
        result << QString::fromUtf8(item);
    return result;
}

QByteArray line(const QString &password)
{
    return password.toUtf8() + '\n';
}

// The stderr JSON line of a kind (the first one), empty when there is none.
QJsonObject statusOf(const QList<QJsonObject> &lines, const QString &kind)
{
    for (const QJsonObject &object : lines) {
        if (object.value(u"kind").toString() == kind)
            return object;
    }
    return {};
}

// The events of a --json stdout without the `connected` events the server sends first on
// every connection.
QList<QJsonObject> promptEvents(const QList<QJsonObject> &events)
{
    QList<QJsonObject> result;
    for (const QJsonObject &event : events) {
        if (event.value(u"type").toString() != u"connected")
            result.append(event);
    }
    return result;
}

// Ids "1", "2", ... "N" in order, N > 1, and the last event is `done`: the whole prompt log.
bool isWholeLog(const QList<QJsonObject> &events)
{
    if (events.size() < 2 || events.constLast().value(u"type").toString() != u"done")
        return false;
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (events.at(i).value(u"id").toString() != QString::number(i + 1))
            return false;
    }
    return true;
}

} // namespace

class tst_SluiceStreamServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void newPromptToDone_data();
    void newPromptToDone();
    void followKnownPrompt();
    void textOutputMatchesUrlForm();
    void streamOptionsApply();
    void quietKeepsPromptIds();
    void wrongPasswordExits3();
    void rateLimitedExits3WithWait();
    void unknownPromptExits4_data();
    void unknownPromptExits4();
    void newPromptInUnknownSessionExits4();
    void passwordSourceRequired();
    void emptyStdinIsUsageError();
    void keychainUnavailableExits3();
    void keychainUnavailableFallsBackToPassword();

private:
    QStringList serverArgs(const QString &user, std::initializer_list<const char *> extra) const;
    // Creates a demo prompt with sluice-stream, follows it to `done`; {sessionId, promptId}.
    QPair<QString, QString> finishedPrompt();

    ServerProcess m_server;
    QString m_demoPassword;
};

void tst_SluiceStreamServer::initTestCase()
{
    QVERIFY2(m_server.start({ QStringLiteral("--demo"), QStringLiteral("--demo-speed"),
                              QStringLiteral("50"), QStringLiteral("--cookie-mode"),
                              QStringLiteral("on") }),
             qPrintable(m_server.errorString()));
    // Printed once at startup; the server's output is read as it comes (polling, not timing).
    static const QRegularExpression demoLine(
        QStringLiteral("demo user: demo  password: (\\S+)\\n"));
    QTRY_VERIFY_WITH_TIMEOUT(
        !(m_demoPassword = demoLine.match(m_server.logOutput()).captured(1)).isEmpty(), waitMs);
    QVERIFY2(m_server.addUser(otherUser, otherPassword), qPrintable(m_server.errorString()));
}

QStringList tst_SluiceStreamServer::serverArgs(const QString &user,
                                               std::initializer_list<const char *> extra) const
{
    return QStringList { QStringLiteral("--server"), m_server.baseUrl().toString(),
                         QStringLiteral("--user"), user }
    + args(extra);
}

QPair<QString, QString> tst_SluiceStreamServer::finishedPrompt()
{
    StreamProcess p(serverArgs(QStringLiteral("demo"),
                               { "--password-stdin", "--new-prompt", "a prompt to follow again",
                                 "--json", "-q" }),
                    line(m_demoPassword));
    if (!p.finish() || p.exitCode() != 0)
        return {};
    const QJsonObject prompt = statusOf(p.errObjects(), QStringLiteral("prompt"));
    return { prompt.value(u"sessionId").toString(), prompt.value(u"promptId").toString() };
}

void tst_SluiceStreamServer::newPromptToDone_data()
{
    QTest::addColumn<QString>("mode");
    QTest::newRow("token") << QStringLiteral("token");
    QTest::newRow("header") << QStringLiteral("header");
    QTest::newRow("cookie") << QStringLiteral("cookie");
}

void tst_SluiceStreamServer::newPromptToDone()
{
    QFETCH(QString, mode);
    StreamProcess p(serverArgs(QStringLiteral("demo"),
                               { "--password-stdin", "--new-prompt", "Summarise the build",
                                 "--json", "--mode" })
                        + QStringList { mode },
                    line(m_demoPassword));
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 0, p.transcript().constData());

    // stdout: the URL form's --json lines; the prompt's whole log, once, ending with `done`.
    const QList<QJsonObject> all = p.outObjects();
    QVERIFY2(!all.isEmpty(), p.transcript().constData());
    QCOMPARE(all.constFirst().value(u"type").toString(), QStringLiteral("connected"));
    for (const QJsonObject &event : all)
        QCOMPARE(
            event.keys(),
            (QStringList { QStringLiteral("data"), QStringLiteral("id"), QStringLiteral("type") }));
    const QList<QJsonObject> events = promptEvents(all);
    QVERIFY2(isWholeLog(events), p.transcript().constData());
    QVERIFY(events.size() > 10);

    // stderr: signed in, the new prompt's ids, the stream's state, exit 0.
    const QList<QJsonObject> status = p.errObjects();
    QCOMPARE(statusOf(status, QStringLiteral("signed-in")).value(u"with").toString(),
             QStringLiteral("password"));
    const QJsonObject prompt = statusOf(status, QStringLiteral("prompt"));
    QVERIFY(!prompt.value(u"sessionId").toString().isEmpty());
    const QString promptId = prompt.value(u"promptId").toString();
    QVERIFY(!promptId.isEmpty());
    QVERIFY2(all.constFirst().value(u"data").toString().contains(promptId),
             p.transcript().constData());
    const QString url = statusOf(status, QStringLiteral("connecting")).value(u"url").toString();
    QVERIFY2(url.contains(promptId), qPrintable(url));
    QCOMPARE(url.contains(u"stream_token=REDACTED"), mode == u"token");
    QVERIFY(!statusOf(status, QStringLiteral("open")).isEmpty());
    QVERIFY(statusOf(status, QStringLiteral("error")).isEmpty());
    const QJsonObject exit = status.constLast();
    QCOMPARE(exit.value(u"kind").toString(), QStringLiteral("exit"));
    QCOMPARE(exit.value(u"code").toInt(-1), 0);
    QCOMPARE(exit.value(u"reason").toString(), QStringLiteral("the prompt is done"));

    QVERIFY(!p.transcript().contains(m_demoPassword.toUtf8()));
}

void tst_SluiceStreamServer::followKnownPrompt()
{
    const auto [sessionId, promptId] = finishedPrompt();
    QVERIFY(!promptId.isEmpty());

    // The whole log again, in each mode.
    QList<QJsonObject> whole;
    for (const char *mode : { "token", "header", "cookie" }) {
        StreamProcess p(serverArgs(QStringLiteral("demo"),
                                   { "--password-stdin", "--json", "--mode", mode, "--session" })
                            + QStringList { sessionId, QStringLiteral("--prompt"), promptId },
                        line(m_demoPassword));
        QVERIFY(p.finish());
        QVERIFY2(p.exitCode() == 0, p.transcript().constData());
        const QList<QJsonObject> events = promptEvents(p.outObjects());
        QVERIFY2(isWholeLog(events), p.transcript().constData());
        // No prompt line: nothing was created.
        QVERIFY(statusOf(p.errObjects(), QStringLiteral("prompt")).isEmpty());
        if (whole.isEmpty())
            whole = events;
        QCOMPARE(events, whole);
    }

    // Resumed after an event: only what follows it.
    const qsizetype n = whole.size();
    StreamProcess resumed(
        serverArgs(QStringLiteral("demo"), { "--password-stdin", "--json", "--session" })
            + QStringList { sessionId, QStringLiteral("--prompt"), promptId,
                            QStringLiteral("--last-event-id"), QString::number(n - 2) },
        line(m_demoPassword));
    QVERIFY(resumed.finish());
    QVERIFY2(resumed.exitCode() == 0, resumed.transcript().constData());
    QCOMPARE(promptEvents(resumed.outObjects()), whole.mid(n - 2));

    // After the last event there is nothing more: the server answers 204, exit 0.
    StreamProcess after(
        serverArgs(QStringLiteral("demo"), { "--password-stdin", "--json", "--session" })
            + QStringList { sessionId, QStringLiteral("--prompt"), promptId,
                            QStringLiteral("--last-event-id"), QString::number(n) },
        line(m_demoPassword));
    QVERIFY(after.finish());
    QVERIFY2(after.exitCode() == 0, after.transcript().constData());
    QVERIFY2(after.out().isEmpty(), after.transcript().constData());
}

void tst_SluiceStreamServer::textOutputMatchesUrlForm()
{
    const auto [sessionId, promptId] = finishedPrompt();
    QVERIFY(!promptId.isEmpty());
    StreamProcess serverForm(
        serverArgs(QStringLiteral("demo"), { "--password-stdin", "--mode", "header", "--session" })
            + QStringList { sessionId, QStringLiteral("--prompt"), promptId },
        line(m_demoPassword));
    QVERIFY(serverForm.finish());
    QVERIFY2(serverForm.exitCode() == 0, serverForm.transcript().constData());

    // The URL form on the same stream with a Bearer token: byte for byte the same stdout.
    HttpClient http(m_server.baseUrl());
    const QByteArray token = http.login(QStringLiteral("demo"), m_demoPassword);
    QVERIFY(!token.isEmpty());
    const QString streamUrl = m_server.baseUrl().toString()
        + QStringLiteral("/api/claude-code/sessions/%1/prompts/%2/stream").arg(sessionId, promptId);
    StreamProcess urlForm(
        QStringList { streamUrl, QStringLiteral("-H"),
                      QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(token),
                      QStringLiteral("--no-reconnect") },
        {});
    QVERIFY(urlForm.finish());
    // The server ends the stream after `done`: a clean end, exit 0 with --no-reconnect.
    QVERIFY2(urlForm.exitCode() == 0, urlForm.transcript().constData());
    QVERIFY(serverForm.out().contains("event: done\nid: "));
    QCOMPARE(serverForm.out(), urlForm.out());
}

void tst_SluiceStreamServer::streamOptionsApply()
{
    // --max-events configures the PromptStream's run as it does the URL form's.
    StreamProcess p(
        serverArgs(QStringLiteral("demo"),
                   { "--password-stdin", "--new-prompt", "three events only", "--json", "-n", "3",
                     "--read-timeout", "30", "--max-retries", "3", "--max-line-bytes", "65536" }),
        line(m_demoPassword));
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 0, p.transcript().constData());
    QCOMPARE(p.outObjects().size(), 3);
    QCOMPARE(p.errObjects().constLast().value(u"reason").toString(),
             QStringLiteral("max events reached"));

    // A parser limit smaller than the demo's events ends the run with 7.
    StreamProcess limited(
        serverArgs(QStringLiteral("demo"),
                   { "--password-stdin", "--new-prompt", "tiny lines", "--max-line-bytes", "8" }),
        line(m_demoPassword));
    QVERIFY(limited.finish());
    QVERIFY2(limited.exitCode() == 7, limited.transcript().constData());
}

void tst_SluiceStreamServer::quietKeepsPromptIds()
{
    StreamProcess p(serverArgs(QStringLiteral("demo"),
                               { "--password-stdin", "--new-prompt", "quietly", "--json", "-q" }),
                    line(m_demoPassword));
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 0, p.transcript().constData());
    const QList<QJsonObject> status = p.errObjects();
    QCOMPARE(status.size(), 1);
    QCOMPARE(status.constFirst().value(u"kind").toString(), QStringLiteral("prompt"));
    QVERIFY(isWholeLog(promptEvents(p.outObjects())));
}

void tst_SluiceStreamServer::wrongPasswordExits3()
{
    const QString wrong = QStringLiteral("not-the-password-8c1f");
    StreamProcess p(serverArgs(otherUser, { "--password-stdin", "--new-prompt", "x" }),
                    line(wrong));
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 3, p.transcript().constData());
    QVERIFY(p.out().isEmpty());
    QVERIFY2(p.err().contains("Wrong user name or password"), p.err().constData());
    QVERIFY2(p.err().contains("* exit 3: "), p.err().constData());
    QVERIFY(!p.transcript().contains(wrong.toUtf8()));

    // The same with --json: one error line and the exit line, no password anywhere.
    StreamProcess json(serverArgs(otherUser, { "--password-stdin", "--new-prompt", "x", "--json" }),
                       line(wrong));
    QVERIFY(json.finish());
    QCOMPARE(json.exitCode(), 3);
    const QJsonObject error = statusOf(json.errObjects(), QStringLiteral("error"));
    QCOMPARE(error.value(u"error").toString(), QStringLiteral("InvalidCredentials"));
    QCOMPARE(error.value(u"status").toInt(), 401);
    QVERIFY(!json.transcript().contains(wrong.toUtf8()));
}

void tst_SluiceStreamServer::rateLimitedExits3WithWait()
{
    // A user of its own, past the per-user limit of failed sign-ins (5 per window by default).
    const QString user = QStringLiteral("rate-limited");
    QVERIFY(m_server.addUser(user, otherPassword));
    HttpClient http(m_server.baseUrl());
    for (int i = 0; i < 5; ++i)
        QVERIFY(http.login(user, QStringLiteral("wrong password %1").arg(i)).isEmpty());

    // Even the right password is refused now, with the time to wait.
    StreamProcess p(serverArgs(user, { "--password-stdin", "--new-prompt", "x" }),
                    line(otherPassword));
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 3, p.transcript().constData());
    const QRegularExpression wait(QStringLiteral("\\* exit 3: .*try again in \\d+ s"));
    QVERIFY2(wait.match(QString::fromUtf8(p.err())).hasMatch(), p.err().constData());
    QVERIFY(!p.transcript().contains(otherPassword.toUtf8()));
}

void tst_SluiceStreamServer::unknownPromptExits4_data()
{
    QTest::addColumn<QString>("mode");
    QTest::newRow("token") << QStringLiteral("token");
    QTest::newRow("header") << QStringLiteral("header");
    QTest::newRow("cookie") << QStringLiteral("cookie");
}

void tst_SluiceStreamServer::unknownPromptExits4()
{
    QFETCH(QString, mode);
    StreamProcess p(
        serverArgs(otherUser,
                   { "--password-stdin", "--json", "--session", "00000000000000000000000000000000",
                     "--prompt", "11111111111111111111111111111111", "--mode" })
            + QStringList { mode },
        line(otherPassword));
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 4, p.transcript().constData());
    QVERIFY(p.out().isEmpty());
    const QList<QJsonObject> status = p.errObjects();
    QCOMPARE(statusOf(status, QStringLiteral("error")).value(u"status").toInt(), 404);
    QCOMPARE(status.constLast().value(u"code").toInt(), 4);
    QVERIFY(!status.constLast().value(u"reason").toString().isEmpty());
}

void tst_SluiceStreamServer::newPromptInUnknownSessionExits4()
{
    StreamProcess p(serverArgs(otherUser,
                               { "--password-stdin", "--new-prompt", "x", "--session",
                                 "00000000000000000000000000000000" }),
                    line(otherPassword));
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 4, p.transcript().constData());
    QVERIFY2(p.err().contains("* error: NotFound (HTTP 404)"), p.err().constData());
}

void tst_SluiceStreamServer::passwordSourceRequired()
{
    // No way to sign in: a usage error before anything is sent.
    StreamProcess p(serverArgs(otherUser, { "--new-prompt", "x" }), line(otherPassword));
    QVERIFY(p.finish());
    QCOMPARE(p.exitCode(), 2);
    QVERIFY2(p.err().startsWith("sluice-stream: --server needs --password-stdin or --keychain"),
             p.err().constData());
}

void tst_SluiceStreamServer::emptyStdinIsUsageError()
{
    for (const QByteArray &input : { QByteArray(), QByteArray("\n"), QByteArray("\r\n") }) {
        StreamProcess p(serverArgs(otherUser, { "--password-stdin", "--new-prompt", "x" }), input);
        QVERIFY(p.finish());
        QVERIFY2(p.exitCode() == 2, p.transcript().constData());
        QVERIFY2(p.err().contains("* exit 2: no password on stdin"), p.err().constData());
    }
}

namespace {

// An environment where no keychain can be reached: the Secret Service lives on the D-Bus
// session bus, and this bus address leads nowhere (no X11 either, so no bus is auto-launched).
QProcessEnvironment withoutKeychain()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
                       QStringLiteral("unix:path=/nonexistent/sluice-test-bus"));
    environment.remove(QStringLiteral("DISPLAY"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    return environment;
}

} // namespace

void tst_SluiceStreamServer::keychainUnavailableExits3()
{
    StreamProcess p(serverArgs(otherUser, { "--keychain", "--new-prompt", "x", "--json" }), {},
                    withoutKeychain());
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 3, p.transcript().constData());
    QVERIFY(p.out().isEmpty());
    // Every stderr line is JSON (the SDK's own warning about the keychain is not repeated).
    const QList<QByteArray> lines = p.err().trimmed().split('\n');
    for (const QByteArray &text : lines)
        QVERIFY2(text.startsWith('{'), p.err().constData());
    const QJsonObject error = statusOf(p.errObjects(), QStringLiteral("error"));
    QCOMPARE(error.value(u"error").toString(), QStringLiteral("Keychain"));
    QVERIFY2(error.value(u"message").toString().contains(u"keychain", Qt::CaseInsensitive),
             p.err().constData());
    QCOMPARE(p.errObjects().constLast().value(u"code").toInt(), 3);
}

void tst_SluiceStreamServer::keychainUnavailableFallsBackToPassword()
{
    StreamProcess p(
        serverArgs(QStringLiteral("demo"),
                   { "--keychain", "--password-stdin", "--new-prompt", "fallback", "--json" }),
        line(m_demoPassword), withoutKeychain());
    QVERIFY(p.finish());
    QVERIFY2(p.exitCode() == 0, p.transcript().constData());
    QVERIFY(isWholeLog(promptEvents(p.outObjects())));
    QList<QJsonObject> errors;
    for (const QJsonObject &object : p.errObjects()) {
        if (object.value(u"kind").toString() == u"error")
            errors.append(object);
    }
    // Reading the keychain failed (the run went on with the password), then remembering the
    // new sign-in failed too (the run is not affected).
    QCOMPARE(errors.size(), 2);
    QCOMPARE(errors.at(0).value(u"error").toString(), QStringLiteral("Keychain"));
    QVERIFY(errors.at(0).value(u"willRetry").toBool());
    QCOMPARE(errors.at(1).value(u"error").toString(), QStringLiteral("Keychain"));
    QCOMPARE(statusOf(p.errObjects(), QStringLiteral("signed-in")).value(u"with").toString(),
             QStringLiteral("password"));
    QVERIFY(!p.transcript().contains(m_demoPassword.toUtf8()));
}

QTEST_GUILESS_MAIN(tst_SluiceStreamServer)
#include "tst_sluicestreamserver.moc"
