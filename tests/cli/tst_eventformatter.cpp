// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-stream's output formatting, without a network.
#include "eventformatter.h"
#include "jsonline.h"

#include <Sluice/Error.h>
#include <Sluice/Event.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtTest/QTest>

using SluiceStream::EventFormatter;

class tst_EventFormatter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jsonEvent_data();
    void jsonEvent();
    void jsonEscapesEveryControlCharacter();
    void textEvent_data();
    void textEvent();
    void statusLinesJson();
    void statusLinesText();
};

void tst_EventFormatter::jsonEvent_data()
{
    QTest::addColumn<Sluice::Event>("event");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("simple") << Sluice::Event(QStringLiteral("message"), QStringLiteral("hi"),
                                             QStringLiteral("1"))
                            << QByteArray(R"({"type":"message","data":"hi","id":"1"})"
                                          "\n");
    QTest::newRow("multiline, no id")
        << Sluice::Event(QStringLiteral("tool_use"), QStringLiteral("a\nb"))
        << QByteArray(R"({"type":"tool_use","data":"a\nb","id":""})"
                      "\n");
    QTest::newRow("quotes, backslash, unicode")
        << Sluice::Event(QStringLiteral("message"), QString::fromUtf8("\"x\" \\ é 😀"),
                         QStringLiteral("é"))
        << QByteArray("{\"type\":\"message\",\"data\":\"\\\"x\\\" \\\\ \xc3\xa9 \xf0\x9f\x98\x80\","
                      "\"id\":\"\xc3\xa9\"}\n");
    QTest::newRow("empty data") << Sluice::Event(QStringLiteral("message"), QString())
                                << QByteArray(R"({"type":"message","data":"","id":""})"
                                              "\n");
}

void tst_EventFormatter::jsonEvent()
{
    QFETCH(Sluice::Event, event);
    QFETCH(QByteArray, expected);
    const QByteArray line = EventFormatter(EventFormatter::Style::Json).event(event);
    QCOMPARE(line, expected);
    // And it round-trips through a real JSON parser.
    const QJsonObject object = QJsonDocument::fromJson(line).object();
    QCOMPARE(object.value(u"data").toString(), event.data());
    QCOMPARE(object.value(u"id").toString(), event.lastEventId());
}

void tst_EventFormatter::jsonEscapesEveryControlCharacter()
{
    QString all;
    for (char16_t c = 0; c < 0x20; ++c)
        all.append(QChar(c));
    all.append(QChar(0x7f));
    QByteArray out;
    SluiceStream::JsonLine::appendQuoted(out, all);
    QVERIFY(!out.contains('\n'));
    for (char c = 0; c < 0x20; ++c)
        QVERIFY(!out.contains(c));
    QCOMPARE(out.left(13), QByteArray(R"("\u0000\u0001)"));
    QVERIFY(out.contains(R"(\b\t\n\u000b\f\r)"));
    QCOMPARE(QJsonDocument::fromJson("[" + out + "]").array().at(0).toString(), all);
}

void tst_EventFormatter::textEvent_data()
{
    QTest::addColumn<Sluice::Event>("event");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("with id") << Sluice::Event(QStringLiteral("status"), QStringLiteral("a\n\nc"),
                                              QStringLiteral("9"))
                             << QByteArray("event: status\nid: 9\ndata: a\ndata:\ndata: c\n\n");
    QTest::newRow("no id") << Sluice::Event(QStringLiteral("message"), QStringLiteral("x"))
                           << QByteArray("event: message\ndata: x\n\n");
    QTest::newRow("CR in data stays on one line")
        << Sluice::Event(QStringLiteral("message"), QStringLiteral("a\rb"))
        << QByteArray("event: message\ndata: a\\rb\n\n");
}

void tst_EventFormatter::textEvent()
{
    QFETCH(Sluice::Event, event);
    QFETCH(QByteArray, expected);
    QCOMPARE(EventFormatter().event(event), expected);
}

void tst_EventFormatter::statusLinesJson()
{
    const EventFormatter f(EventFormatter::Style::Json);
    QCOMPARE(f.connecting(2, "GET", QStringLiteral("http://h/s")),
             QByteArray(R"({"kind":"connecting","attempt":2,"method":"GET","url":"http://h/s"})"
                        "\n"));
    QCOMPARE(f.opened(), QByteArray("{\"kind\":\"open\"}\n"));
    QCOMPARE(f.comment(QStringLiteral("hb")),
             QByteArray(R"({"kind":"comment","comment":"hb"})"
                        "\n"));
    QCOMPARE(f.reconnecting(3, 1500),
             QByteArray(R"({"kind":"reconnecting","attempt":3,"delayMs":1500})"
                        "\n"));
    const Sluice::Error error(Sluice::Error::Kind::HttpStatus, QStringLiteral("Unauthorized"), 401,
                              false);
    QCOMPARE(f.error(error),
             QByteArray(R"({"kind":"error","error":"HttpStatus","status":401,)"
                        R"("message":"Unauthorized","willRetry":false})"
                        "\n"));
    QCOMPARE(f.requestHeaders({ "Accept", "Authorization" }),
             QByteArray(R"({"kind":"headers","names":"Accept, Authorization"})"
                        "\n"));
    QCOMPARE(f.exit(6, QStringLiteral("timeout")),
             QByteArray(R"({"kind":"exit","code":6,"reason":"timeout"})"
                        "\n"));
    // Server form.
    QCOMPARE(f.signedIn(QStringLiteral("demo"), QStringLiteral("keychain")),
             QByteArray(R"({"kind":"signed-in","user":"demo","with":"keychain"})"
                        "\n"));
    QCOMPARE(f.prompt(QStringLiteral("s1"), QStringLiteral("p2")),
             QByteArray(R"({"kind":"prompt","sessionId":"s1","promptId":"p2"})"
                        "\n"));
}

void tst_EventFormatter::statusLinesText()
{
    const EventFormatter f;
    QCOMPARE(f.connecting(1, "POST", QStringLiteral("http://h/s")),
             QByteArray("* connecting (attempt 1): POST http://h/s\n"));
    QCOMPARE(f.opened(), QByteArray("* open\n"));
    QCOMPARE(f.comment(QStringLiteral("hb")), QByteArray(":hb\n"));
    QCOMPARE(f.reconnecting(2, 10), QByteArray("* reconnecting (attempt 2) in 10 ms\n"));
    QCOMPARE(
        f.error(Sluice::Error(Sluice::Error::Kind::Network, QStringLiteral("refused"), 0, true)),
        QByteArray("* error: Network: refused (will retry)\n"));
    QCOMPARE(f.error(Sluice::Error(Sluice::Error::Kind::HttpStatus, QStringLiteral("Forbidden"),
                                   403, false)),
             QByteArray("* error: HttpStatus (HTTP 403): Forbidden\n"));
    QCOMPARE(f.exit(0, QStringLiteral("max events reached")),
             QByteArray("* exit 0: max events reached\n"));
    // Server form.
    QCOMPARE(f.signedIn(QStringLiteral("demo"), QStringLiteral("password")),
             QByteArray("* signed in as demo (password)\n"));
    QCOMPARE(f.prompt(QStringLiteral("s1"), QStringLiteral("p2")),
             QByteArray("* prompt p2 in session s1\n"));
}

QTEST_GUILESS_MAIN(tst_EventFormatter)
#include "tst_eventformatter.moc"
