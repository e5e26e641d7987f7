// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-stream's command line parsing.
#include "streamoptions.h"

#include <QtCore/QTemporaryFile>
#include <QtTest/QTest>

using namespace std::chrono_literals;
using SluiceStream::ParseResult;
using Mode = Sluice::PromptStream::Mode;

Q_DECLARE_METATYPE(Sluice::PromptStream::Mode)

namespace {

ParseResult parse(QStringList arguments)
{
    arguments.prepend(QStringLiteral("sluice-stream"));
    return SluiceStream::parseArguments(arguments);
}

QStringList list(std::initializer_list<const char *> items)
{
    QStringList result;
    for (const char *item : items)
        result << QString::fromUtf8(item);
    return result;
}

} // namespace

class tst_StreamOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void everything();
    void dataFromFileImpliesPost();
    void explicitMethodWins();
    void headerParsing_data();
    void headerParsing();
    void seconds();
    void errors_data();
    void errors();
    void helpAndVersion();

    // Server form (--server).
    void serverFollowPrompt();
    void serverNewPromptEverything();
    void serverNewPromptInSession();
    void serverModes_data();
    void serverModes();
    void serverErrors_data();
    void serverErrors();
    void serverRejectsDataBeforeReadingIt();
    void serverErrorsNeverEchoSecrets();
    void serverOnlyOptionsNeedServer_data();
    void serverOnlyOptionsNeedServer();
    void helpDescribesServerForm();
};

void tst_StreamOptions::defaults()
{
    const ParseResult r = parse(list({ "http://127.0.0.1:8080/s" }));
    QCOMPARE(r.action, ParseResult::Action::Run);
    const auto &o = r.options;
    QCOMPARE(o.url, QUrl(QStringLiteral("http://127.0.0.1:8080/s")));
    QCOMPARE(o.method, QByteArray("GET"));
    QVERIFY(!o.body);
    QVERIFY(o.headers.isEmpty());
    QVERIFY(!o.json && !o.verbose && !o.quiet);
    QVERIFY(o.reconnect);
    QVERIFY(!o.maxEvents && !o.timeout && !o.readTimeout && !o.maxRetries);
    QVERIFY(r.helpText.contains(u"Exit codes:"));
}

void tst_StreamOptions::everything()
{
    const ParseResult r = parse(list({ "https://example.test/s",
                                       "-H",
                                       "Authorization: Bearer x",
                                       "--header",
                                       "X-A:b",
                                       "--last-event-id",
                                       "42",
                                       "--json",
                                       "--max-events",
                                       "3",
                                       "--timeout",
                                       "2.5",
                                       "--read-timeout",
                                       "20",
                                       "--no-reconnect",
                                       "--retry-initial",
                                       "0.25",
                                       "--retry-max",
                                       "8",
                                       "--max-retries",
                                       "4",
                                       "--retry-budget",
                                       "60",
                                       "--max-redirects",
                                       "2",
                                       "--max-line-bytes",
                                       "1024",
                                       "--max-event-bytes",
                                       "4096",
                                       "-v" }));
    QCOMPARE(r.action, ParseResult::Action::Run);
    const auto &o = r.options;
    QCOMPARE(o.headers.size(), 2);
    QCOMPARE(o.headers.at(0).first, QByteArray("Authorization"));
    QCOMPARE(o.headers.at(0).second, QByteArray("Bearer x"));
    QCOMPARE(o.headers.at(1).first, QByteArray("X-A"));
    QCOMPARE(o.headers.at(1).second, QByteArray("b"));
    QCOMPARE(o.lastEventId, QStringLiteral("42"));
    QVERIFY(o.json && o.verbose && !o.reconnect);
    QCOMPARE(*o.maxEvents, 3);
    QCOMPARE(*o.timeout, 2500ms);
    QCOMPARE(*o.readTimeout, 20000ms);
    QCOMPARE(*o.retryInitial, 250ms);
    QCOMPARE(*o.retryMax, 8000ms);
    QCOMPARE(*o.maxRetries, 4);
    QCOMPARE(*o.retryBudget, 60000ms);
    QCOMPARE(*o.maxRedirects, 2);
    QCOMPARE(*o.maxLineBytes, 1024);
    QCOMPARE(*o.maxEventBytes, 4096);
}

void tst_StreamOptions::dataFromFileImpliesPost()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    file.write("{\"a\":1}\n");
    file.close();
    const ParseResult r = parse(QStringList { QStringLiteral("http://h/s"), QStringLiteral("-d"),
                                              QLatin1Char('@') + file.fileName() });
    QCOMPARE(r.action, ParseResult::Action::Run);
    QCOMPARE(r.options.method, QByteArray("POST"));
    QCOMPARE(*r.options.body, QByteArray("{\"a\":1}\n"));
    QCOMPARE(r.options.contentType, QByteArray("text/plain; charset=utf-8"));

    const ParseResult inline_ = parse(list(
        { "http://h/s", "--data", "x=1", "--content-type", "application/x-www-form-urlencoded" }));
    QCOMPARE(*inline_.options.body, QByteArray("x=1"));
    QCOMPARE(inline_.options.contentType, QByteArray("application/x-www-form-urlencoded"));
}

void tst_StreamOptions::explicitMethodWins()
{
    const ParseResult r = parse(list({ "http://h/s", "--data", "q", "-X", "REPORT" }));
    QCOMPARE(r.options.method, QByteArray("REPORT"));
    QCOMPARE(parse(list({ "http://h/s", "--method", "BAD METHOD" })).action,
             ParseResult::Action::Error);
}

void tst_StreamOptions::headerParsing_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("plain") << QStringLiteral("A: b") << true << QByteArray("A") << QByteArray("b");
    QTest::newRow("colon in value") << QStringLiteral("X-Url: http://a:1/") << true
                                    << QByteArray("X-Url") << QByteArray("http://a:1/");
    QTest::newRow("empty value") << QStringLiteral("X-Empty:") << true << QByteArray("X-Empty")
                                 << QByteArray();
    QTest::newRow("no colon") << QStringLiteral("nope") << false << QByteArray() << QByteArray();
    QTest::newRow("empty name") << QStringLiteral(": v") << false << QByteArray() << QByteArray();
    QTest::newRow("space in name")
        << QStringLiteral("A B: v") << false << QByteArray() << QByteArray();
    QTest::newRow("newline in value")
        << QStringLiteral("A: v\r\nX: y") << false << QByteArray() << QByteArray();
}

void tst_StreamOptions::headerParsing()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    const auto header = SluiceStream::parseHeader(text);
    QCOMPARE(header.has_value(), valid);
    if (valid) {
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        QCOMPARE(header->first, name);
        QCOMPARE(header->second, value);
    }
}

void tst_StreamOptions::seconds()
{
    QCOMPARE(*SluiceStream::parseSeconds(QStringLiteral("1"), false), 1000ms);
    QCOMPARE(*SluiceStream::parseSeconds(QStringLiteral("0.001"), false), 1ms);
    QCOMPARE(*SluiceStream::parseSeconds(QStringLiteral("0"), true), 0ms);
    QVERIFY(!SluiceStream::parseSeconds(QStringLiteral("0"), false));
    QVERIFY(!SluiceStream::parseSeconds(QStringLiteral("-1"), true));
    QVERIFY(!SluiceStream::parseSeconds(QStringLiteral("inf"), true));
    QVERIFY(!SluiceStream::parseSeconds(QStringLiteral("nan"), true));
    QVERIFY(!SluiceStream::parseSeconds(QStringLiteral("5s"), true));
}

void tst_StreamOptions::errors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("no url") << QStringList {};
    QTest::newRow("relative url") << list({ "/just/a/path" });
    QTest::newRow("ws scheme") << list({ "ws://h/s" });
    QTest::newRow("bad header") << list({ "http://h/s", "-H", "Authorization Bearer x" });
    QTest::newRow("max-events 0") << list({ "http://h/s", "-n", "0" });
    QTest::newRow("max-retries -1") << list({ "http://h/s", "--max-retries", "-1" });
    QTest::newRow("timeout 0") << list({ "http://h/s", "--timeout", "0" });
    QTest::newRow("initial > max")
        << list({ "http://h/s", "--retry-initial", "10", "--retry-max", "1" });
    QTest::newRow("missing value") << list({ "http://h/s", "--max-events" });
    QTest::newRow("unknown") << list({ "http://h/s", "--nope" });
}

void tst_StreamOptions::errors()
{
    QFETCH(QStringList, arguments);
    const ParseResult r = parse(arguments);
    QCOMPARE(r.action, ParseResult::Action::Error);
    QVERIFY(!r.errorText.isEmpty());
}

void tst_StreamOptions::helpAndVersion()
{
    QCOMPARE(parse(list({ "--help" })).action, ParseResult::Action::ShowHelp);
    QCOMPARE(parse(list({ "-h" })).action, ParseResult::Action::ShowHelp);
    QCOMPARE(parse(list({ "--version" })).action, ParseResult::Action::ShowVersion);
    // A header value never appears in an error message (it may be a token).
    const ParseResult r = parse(list({ "http://h/s", "-H", "Authorization Bearer s3cret" }));
    QVERIFY(!r.errorText.contains(u"s3cret"));
}

namespace {

// The minimal valid server form, followed by `extra`.
QStringList server(std::initializer_list<const char *> extra = {})
{
    return list({ "--server", "http://127.0.0.1:8080", "--user", "demo", "--password-stdin",
                  "--session", "s1", "--prompt", "p1" })
        + list(extra);
}

} // namespace

void tst_StreamOptions::serverFollowPrompt()
{
    const ParseResult r = parse(server());
    QCOMPARE(r.action, ParseResult::Action::Run);
    const auto &o = r.options;
    QVERIFY(o.isServerForm());
    QCOMPARE(o.serverUrl, QUrl(QStringLiteral("http://127.0.0.1:8080")));
    QVERIFY(o.url.isEmpty());
    QCOMPARE(o.userName, QStringLiteral("demo"));
    QVERIFY(o.passwordStdin);
    QVERIFY(!o.keychain);
    QCOMPARE(o.sessionId, QStringLiteral("s1"));
    QCOMPARE(o.promptId, QStringLiteral("p1"));
    QVERIFY(!o.newPromptText);
    QCOMPARE(o.mode, Mode::StreamToken);
    QVERIFY(o.headers.isEmpty());
    QVERIFY(!o.body);
    QVERIFY(o.reconnect);

    // The URL form has no server.
    QVERIFY(!parse(list({ "http://h/s" })).options.isServerForm());
}

void tst_StreamOptions::serverNewPromptEverything()
{
    // Every option that configures the stream applies to the server form too.
    const ParseResult r = parse(list({ "--server",
                                       "https://sluice.example.test/base/",
                                       "--user",
                                       "alice",
                                       "--keychain",
                                       "--password-stdin",
                                       "--new-prompt",
                                       "Explain the build\nplease",
                                       "--mode",
                                       "cookie",
                                       "--json",
                                       "-n",
                                       "5",
                                       "-t",
                                       "30",
                                       "--read-timeout",
                                       "3",
                                       "--no-reconnect",
                                       "--retry-initial",
                                       "0.1",
                                       "--retry-max",
                                       "2",
                                       "--max-retries",
                                       "2",
                                       "--retry-budget",
                                       "20",
                                       "--max-redirects",
                                       "1",
                                       "--max-line-bytes",
                                       "100",
                                       "--max-event-bytes",
                                       "200",
                                       "-q" }));
    QCOMPARE(r.action, ParseResult::Action::Run);
    const auto &o = r.options;
    QCOMPARE(o.serverUrl, QUrl(QStringLiteral("https://sluice.example.test/base/")));
    QCOMPARE(o.userName, QStringLiteral("alice"));
    QVERIFY(o.keychain && o.passwordStdin);
    QVERIFY(o.sessionId.isEmpty()); // a new session is created for the prompt
    QVERIFY(o.promptId.isEmpty());
    QCOMPARE(*o.newPromptText, QStringLiteral("Explain the build\nplease"));
    QCOMPARE(o.mode, Mode::Cookie);
    QVERIFY(o.json && o.quiet && !o.reconnect);
    QCOMPARE(*o.maxEvents, 5);
    QCOMPARE(*o.timeout, 30000ms);
    QCOMPARE(*o.readTimeout, 3000ms);
    QCOMPARE(*o.retryInitial, 100ms);
    QCOMPARE(*o.retryMax, 2000ms);
    QCOMPARE(*o.maxRetries, 2);
    QCOMPARE(*o.retryBudget, 20000ms);
    QCOMPARE(*o.maxRedirects, 1);
    QCOMPARE(*o.maxLineBytes, 100);
    QCOMPARE(*o.maxEventBytes, 200);
}

void tst_StreamOptions::serverNewPromptInSession()
{
    const ParseResult r
        = parse(list({ "--server", "http://h:1", "--user", "u", "--keychain", "--new-prompt", "hi",
                       "--session", "s9", "--mode", "header", "--last-event-id", "" }));
    // An empty --last-event-id is "none": allowed with --new-prompt.
    QCOMPARE(r.action, ParseResult::Action::Run);
    QCOMPARE(r.options.sessionId, QStringLiteral("s9"));
    QCOMPARE(*r.options.newPromptText, QStringLiteral("hi"));
    QVERIFY(r.options.keychain && !r.options.passwordStdin);
    QCOMPARE(r.options.mode, Mode::Header);

    // Resuming a known prompt after an event.
    const ParseResult resume = parse(server({ "--last-event-id", "17" }));
    QCOMPARE(resume.action, ParseResult::Action::Run);
    QCOMPARE(resume.options.lastEventId, QStringLiteral("17"));
}

void tst_StreamOptions::serverModes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Mode>("mode");
    QTest::newRow("token") << QStringLiteral("token") << Mode::StreamToken;
    QTest::newRow("header") << QStringLiteral("header") << Mode::Header;
    QTest::newRow("cookie") << QStringLiteral("cookie") << Mode::Cookie;
}

void tst_StreamOptions::serverModes()
{
    QFETCH(QString, text);
    QFETCH(Mode, mode);
    QCOMPARE(*SluiceStream::parseMode(text), mode);
    const ParseResult r = parse(server() + QStringList { QStringLiteral("--mode"), text });
    QCOMPARE(r.action, ParseResult::Action::Run);
    QCOMPARE(r.options.mode, mode);
}

void tst_StreamOptions::serverErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message"); // a part of the one-line error

    QTest::newRow("server and url") << server({ "http://h/s" }) << QStringLiteral("stream URL");
    QTest::newRow("-H") << server({ "-H", "X-A: b" }) << QStringLiteral("-H/--header");
    QTest::newRow("--header") << server({ "--header", "X-A: b" }) << QStringLiteral("-H/--header");
    QTest::newRow("-X") << server({ "-X", "POST" }) << QStringLiteral("-X/--method");
    QTest::newRow("-d") << server({ "-d", "body" }) << QStringLiteral("-d/--data");
    QTest::newRow("--content-type")
        << server({ "--content-type", "text/plain" }) << QStringLiteral("--content-type");
    QTest::newRow("server missing value") << list({ "--server" }) << QStringLiteral("server");
    QTest::newRow("server not http")
        << list({ "--server", "ftp://h", "--user", "u", "--password-stdin", "--new-prompt", "x" })
        << QStringLiteral("not an http(s) URL");
    QTest::newRow("server relative")
        << list({ "--server", "/api", "--user", "u", "--password-stdin", "--new-prompt", "x" })
        << QStringLiteral("not an http(s) URL");
    QTest::newRow("server with query") << list(
        { "--server", "http://h/?a=1", "--user", "u", "--password-stdin", "--new-prompt", "x" })
                                       << QStringLiteral("without query");
    QTest::newRow("server with user info") << list(
        { "--server", "http://u:pw@h", "--user", "u", "--password-stdin", "--new-prompt", "x" })
                                           << QStringLiteral("no user name or password");
    QTest::newRow("no user") << list(
        { "--server", "http://h", "--password-stdin", "--new-prompt", "x" })
                             << QStringLiteral("--user");
    QTest::newRow("empty user") << list(
        { "--server", "http://h", "--user", "", "--password-stdin", "--new-prompt", "x" })
                                << QStringLiteral("--user");
    QTest::newRow("no password source")
        << list({ "--server", "http://h", "--user", "u", "--new-prompt", "x" })
        << QStringLiteral("--password-stdin or --keychain");
    QTest::newRow("no prompt") << list(
        { "--server", "http://h", "--user", "u", "--password-stdin" })
                               << QStringLiteral("--new-prompt");
    QTest::newRow("session alone")
        << list({ "--server", "http://h", "--user", "u", "--password-stdin", "--session", "s" })
        << QStringLiteral("--new-prompt");
    QTest::newRow("prompt and new-prompt")
        << server({ "--new-prompt", "x" }) << QStringLiteral("cannot be combined");
    QTest::newRow("prompt without session")
        << list({ "--server", "http://h", "--user", "u", "--password-stdin", "--prompt", "p" })
        << QStringLiteral("--session");
    QTest::newRow("empty prompt") << list({ "--server", "http://h", "--user", "u",
                                            "--password-stdin", "--session", "s", "--prompt", "" })
                                  << QStringLiteral("--prompt");
    QTest::newRow("empty session") << list({ "--server", "http://h", "--user", "u",
                                             "--password-stdin", "--session", "", "--prompt", "p" })
                                   << QStringLiteral("--session");
    QTest::newRow("blank new-prompt")
        << list({ "--server", "http://h", "--user", "u", "--password-stdin", "--new-prompt", "  " })
        << QStringLiteral("--new-prompt");
    QTest::newRow("new-prompt with last-event-id")
        << list({ "--server", "http://h", "--user", "u", "--password-stdin", "--new-prompt", "x",
                  "--last-event-id", "3" })
        << QStringLiteral("--last-event-id");
    QTest::newRow("last-event-id not a number")
        << server({ "--last-event-id", "abc" }) << QStringLiteral("--last-event-id");
    QTest::newRow("last-event-id negative")
        << server({ "--last-event-id", "-1" }) << QStringLiteral("--last-event-id");
    QTest::newRow("bad mode") << server({ "--mode", "bearer" }) << QStringLiteral("--mode");
    QTest::newRow("bad stream option")
        << server({ "--max-events", "0" }) << QStringLiteral("--max-events");
}

void tst_StreamOptions::serverErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const ParseResult r = parse(arguments);
    QCOMPARE(r.action, ParseResult::Action::Error);
    QVERIFY2(r.errorText.contains(message), qPrintable(r.errorText));
    QVERIFY2(!r.errorText.contains(u'\n'), qPrintable(r.errorText));
}

void tst_StreamOptions::serverRejectsDataBeforeReadingIt()
{
    // -d @file (or @-, stdin: the password's place) is refused, not read.
    const ParseResult r = parse(server({ "-d", "@/nonexistent/sluice-body" }));
    QCOMPARE(r.action, ParseResult::Action::Error);
    QVERIFY2(r.errorText.contains(u"cannot be used with --server"), qPrintable(r.errorText));
}

void tst_StreamOptions::serverErrorsNeverEchoSecrets()
{
    const ParseResult r = parse(list({ "--server", "http://alice:hunter2@h", "--user", "alice",
                                       "--password-stdin", "--new-prompt", "x" }));
    QCOMPARE(r.action, ParseResult::Action::Error);
    QVERIFY2(!r.errorText.contains(u"hunter2"), qPrintable(r.errorText));
    const ParseResult header = parse(server({ "-H", "Authorization: Bearer s3cret" }));
    QCOMPARE(header.action, ParseResult::Action::Error);
    QVERIFY2(!header.errorText.contains(u"s3cret"), qPrintable(header.errorText));
}

void tst_StreamOptions::serverOnlyOptionsNeedServer_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("option");
    QTest::newRow("user") << list({ "http://h/s", "--user", "u" }) << QStringLiteral("--user");
    QTest::newRow("password-stdin")
        << list({ "http://h/s", "--password-stdin" }) << QStringLiteral("--password-stdin");
    QTest::newRow("keychain") << list({ "http://h/s", "--keychain" })
                              << QStringLiteral("--keychain");
    QTest::newRow("session") << list({ "http://h/s", "--session", "s" })
                             << QStringLiteral("--session");
    QTest::newRow("prompt") << list({ "http://h/s", "--prompt", "p" })
                            << QStringLiteral("--prompt");
    QTest::newRow("new-prompt") << list({ "http://h/s", "--new-prompt", "x" })
                                << QStringLiteral("--new-prompt");
    QTest::newRow("mode") << list({ "http://h/s", "--mode", "header" }) << QStringLiteral("--mode");
    QTest::newRow("no url either") << list({ "--user", "u" }) << QStringLiteral("--user");
}

void tst_StreamOptions::serverOnlyOptionsNeedServer()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, option);
    const ParseResult r = parse(arguments);
    QCOMPARE(r.action, ParseResult::Action::Error);
    QCOMPARE(r.errorText, option + QStringLiteral(" needs --server URL"));
}

void tst_StreamOptions::helpDescribesServerForm()
{
    const ParseResult r = parse(list({ "--help" }));
    QCOMPARE(r.action, ParseResult::Action::ShowHelp);
    for (const char *needle :
         { "--server", "--user", "--password-stdin", "--keychain", "--session", "--prompt",
           "--new-prompt", "--mode", "Modes", "cookie-mode", "Exit codes:", "prompt is done" })
        QVERIFY2(r.helpText.contains(QLatin1String(needle)), needle);
}

QTEST_GUILESS_MAIN(tst_StreamOptions)
#include "tst_streamoptions.moc"
