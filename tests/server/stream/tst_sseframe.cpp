// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Unit tests: SSE framing (SseFrame) and the in-memory bus's delivery rules.
#include "bus/inmemoryeventbus.h"
#include "stream/sseframe.h"

#include <QtTest/QTest>

using namespace Sluice::Server;

namespace {
struct Recorder : EventSubscriber
{
    QList<qint64> seqs;
    std::function<void()> onEvent;
    void onBusEvent(const BusEvent &event) override
    {
        seqs.append(event.seq);
        if (onEvent)
            onEvent();
    }
};
} // namespace

class tst_SseFrame : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void event_data()
    {
        QTest::addColumn<qint64>("id");
        QTest::addColumn<QByteArray>("type");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("frame");
        QTest::newRow("json") << qint64(7) << QByteArray("message") << QByteArray(R"({"a":1})")
                              << QByteArray("id: 7\nevent: message\ndata: {\"a\":1}\n\n");
        QTest::newRow("no id, no type")
            << qint64(0) << QByteArray() << QByteArray("x") << QByteArray("data: x\n\n");
        QTest::newRow("LF") << qint64(1) << QByteArray("m") << QByteArray("a\nb")
                            << QByteArray("id: 1\nevent: m\ndata: a\ndata: b\n\n");
        QTest::newRow("CR") << qint64(1) << QByteArray("m") << QByteArray("a\rb")
                            << QByteArray("id: 1\nevent: m\ndata: a\ndata: b\n\n");
        QTest::newRow("CRLF") << qint64(1) << QByteArray("m") << QByteArray("a\r\nb")
                              << QByteArray("id: 1\nevent: m\ndata: a\ndata: b\n\n");
        QTest::newRow("trailing LF") << qint64(2) << QByteArray("m") << QByteArray("a\n")
                                     << QByteArray("id: 2\nevent: m\ndata: a\ndata: \n\n");
        QTest::newRow("empty data") << qint64(3) << QByteArray("done") << QByteArray()
                                    << QByteArray("id: 3\nevent: done\ndata: \n\n");
        QTest::newRow("newline in type") << qint64(4) << QByteArray("a\nb") << QByteArray("x")
                                         << QByteArray("id: 4\nevent: a b\ndata: x\n\n");
    }
    void event()
    {
        QFETCH(qint64, id);
        QFETCH(QByteArray, type);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, frame);
        QCOMPARE(SseFrame::event(id, type, data), frame);
    }

    void commentAndRetry()
    {
        QCOMPARE(SseFrame::comment("bye\r\nnow"), QByteArray(": bye  now\n"));
        QCOMPARE(SseFrame::comment({}), QByteArray(": \n"));
        QCOMPARE(SseFrame::retry(std::chrono::milliseconds(2500)), QByteArray("retry: 2500\n"));
    }

    void busDelivery()
    {
        InMemoryEventBus bus;
        Recorder a, b, other;
        bus.subscribe(QStringLiteral("p"), &a);
        bus.subscribe(QStringLiteral("p"), &b);
        bus.subscribe(QStringLiteral("q"), &other);
        // a unsubscribes b while receiving: b must not get this event
        a.onEvent = [&] {
            bus.unsubscribe(QStringLiteral("p"), &b);
        };
        bus.publish({ QStringLiteral("p"), 1, QStringLiteral("message"), "{}" });
        QCOMPARE(a.seqs, QList<qint64> { 1 });
        QVERIFY(b.seqs.isEmpty());
        QVERIFY(other.seqs.isEmpty());
        bus.unsubscribe(QStringLiteral("p"), &a);
        QCOMPARE(bus.subscriberCount(QStringLiteral("p")), 0);
        bus.publish({ QStringLiteral("p"), 2, QStringLiteral("message"), "{}" });
        QCOMPARE(a.seqs, QList<qint64> { 1 });
    }
};

QTEST_GUILESS_MAIN(tst_SseFrame)
#include "tst_sseframe.moc"
