// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-stream's command line parsing.
#include "streamoptions.h"

#include <QtCore/QTemporaryFile>
#include <QtTest/QTest>

using namespace std::chrono_literals;
using SluiceStream::ParseResult;

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

QTEST_GUILESS_MAIN(tst_StreamOptions)
#include "tst_streamoptions.moc"
