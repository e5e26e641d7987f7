// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-viewer's command line, the sign-in dialog's error texts and the status bar's stream
// states.
#include "commandline.h"
#include "errortext.h"
#include "streamstatus.h"

#include <QtTest/QTest>

using namespace SluiceViewer;
using namespace std::chrono_literals;

namespace {

CommandLine parse(const QStringList &args)
{
    return parseCommandLine(QStringList { QStringLiteral("sluice-viewer") } + args);
}

} // namespace

class tst_ViewerUnits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void commandLineOpensAStream()
    {
        const CommandLine c
            = parse({ QStringLiteral("--server"), QStringLiteral("http://h:1"),
                      QStringLiteral("--session"), QStringLiteral("s1"), QStringLiteral("--prompt"),
                      QStringLiteral("p1"), QStringLiteral("--mode"), QStringLiteral("header") });
        QCOMPARE(c.action, CommandLine::Action::Run);
        QCOMPARE(c.options.serverUrl, QUrl(QStringLiteral("http://h:1")));
        QCOMPARE(c.options.sessionId, QStringLiteral("s1"));
        QCOMPARE(c.options.promptId, QStringLiteral("p1"));
        QCOMPARE(*c.options.mode, Sluice::PromptStream::Mode::Header);
        QVERIFY(c.helpText.contains(QStringLiteral("--new-prompt")));
        QVERIFY(!c.helpText.contains(QStringLiteral("--screenshot"))); // hidden
    }

    void commandLineErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("error");
        QTest::newRow("bad url") << QStringList { QStringLiteral("--server"),
                                                  QStringLiteral("ftp://h") }
                                 << QStringLiteral("--server needs an http:// or https:// URL");
        QTest::newRow("prompt alone")
            << QStringList { QStringLiteral("--prompt"), QStringLiteral("p") }
            << QStringLiteral("--session and --prompt go together");
        QTest::newRow("bad mode") << QStringList { QStringLiteral("--mode"), QStringLiteral("x") }
                                  << QStringLiteral("--mode must be token, header or cookie");
        QTest::newRow("password without user") << QStringList { QStringLiteral("--password-stdin") }
                                               << QStringLiteral("--password-stdin needs --user");
        QTest::newRow("screenshot without password")
            << QStringList { QStringLiteral("--screenshot"), QStringLiteral("/tmp/x") }
            << QStringLiteral("--screenshot needs");
        QTest::newRow("positional") << QStringList { QStringLiteral("extra") }
                                    << QStringLiteral("unexpected argument: extra");
        QTest::newRow("unknown") << QStringList { QStringLiteral("--nope") }
                                 << QStringLiteral("Unknown option 'nope'");
    }

    void commandLineErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, error);
        const CommandLine c = parse(args);
        QCOMPARE(c.action, CommandLine::Action::Error);
        QVERIFY2(c.errorText.startsWith(error), qPrintable(c.errorText));
    }

    void sessionArgumentIsKeptFromQt()
    {
        QByteArrayList storage { "sluice-viewer", "--session", "s1", "-platform",
                                 "xcb",           "--prompt",  "p1", "--session=s2" };
        std::vector<char *> argv;
        for (QByteArray &arg : storage)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        int argc = int(storage.size());
        const QStringList taken = takeSessionArgument(argc, argv.data());
        QCOMPARE(taken,
                 (QStringList { QStringLiteral("--session"), QStringLiteral("s1"),
                                QStringLiteral("--session=s2") }));
        QCOMPARE(argc, 5);
        QCOMPARE(QByteArray(argv[1]), QByteArray("-platform"));
        QCOMPARE(QByteArray(argv[4]), QByteArray("p1"));
        QCOMPARE(argv[5], nullptr);
    }

    void helpAndVersion()
    {
        QCOMPARE(parse({ QStringLiteral("--help") }).action, CommandLine::Action::ShowHelp);
        QCOMPARE(parse({ QStringLiteral("--version") }).action, CommandLine::Action::ShowVersion);
        QCOMPARE(modeName(Sluice::PromptStream::Mode::StreamToken), QStringLiteral("token"));
    }

    void signInErrorsSayWhatToDo()
    {
        using Kind = Sluice::Error::Kind;
        const QUrl url(QStringLiteral("https://sluice.example.com"));
        QCOMPARE(
            signInErrorText(Sluice::Error(Kind::InvalidCredentials, QStringLiteral("x"), 401), url),
            QStringLiteral("Wrong user name or password."));
        QVERIFY(signInErrorText(Sluice::Error(Kind::Network, QStringLiteral("refused")), url)
                    .startsWith(QStringLiteral("Cannot reach the server at "
                                               "https://sluice.example.com (refused)")));
        QVERIFY(signInErrorText(Sluice::Error(Kind::Tls, QStringLiteral("TLS error")), url)
                    .startsWith(QStringLiteral("The secure connection to "
                                               "https://sluice.example.com failed (TLS error)")));
        // A rate limit without Retry-After still says something useful; with it, the wait.
        QCOMPARE(signInErrorText(Sluice::Error(Kind::RateLimited, QStringLiteral("x"), 429), url),
                 QStringLiteral("Too many failed sign-ins. Try again later."));
        QCOMPARE(signInErrorText(Sluice::Error(Kind::RateLimited, QStringLiteral("x"), 429), url,
                                 std::chrono::milliseconds(61500)),
                 QStringLiteral("Too many failed sign-ins. Try again in 1 min 2 s."));
    }

    void waitTexts()
    {
        QCOMPARE(waitText(0ms), QStringLiteral("1 s"));
        QCOMPARE(waitText(1001ms), QStringLiteral("2 s"));
        QCOMPARE(waitText(120s), QStringLiteral("2 min"));
        QCOMPARE(waitText(125s), QStringLiteral("2 min 5 s"));
    }

    void streamStates()
    {
        using State = Sluice::PromptStream::State;
        StreamStatus status;
        QCOMPARE(status.lastEventText(), QStringLiteral("no event yet"));
        status.setState(State::Connecting);
        QCOMPARE(status.text(), QStringLiteral("connecting"));
        status.setState(State::Live);
        status.setLastEventId(QStringLiteral("42"));
        QCOMPARE(status.text(), QStringLiteral("live"));
        QCOMPARE(status.lastEventText(), QStringLiteral("last event 42"));
        status.setState(State::Reconnecting);
        status.setReconnecting(3, 2500ms);
        QCOMPARE(status.text(), QStringLiteral("reconnecting in 3 s (attempt 3)"));
        status.setReconnecting(4, 0ms);
        QCOMPARE(status.text(), QStringLiteral("reconnecting (attempt 4)"));
        status.setState(State::Finished);
        QCOMPARE(status.text(), QStringLiteral("ended"));
        status.setError(Sluice::Error(Sluice::Error::Kind::NotFound, QStringLiteral("no prompt")));
        status.setState(State::Failed);
        QCOMPARE(status.text(), QStringLiteral("failed: no prompt"));
    }
};

QTEST_GUILESS_MAIN(tst_ViewerUnits)
#include "tst_viewerunits.moc"
