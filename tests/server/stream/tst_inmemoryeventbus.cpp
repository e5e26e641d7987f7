// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Unit tests: InMemoryEventBus delivery order and (un)subscribing during delivery, at sizes where
// the slot list is compacted.
#include "bus/inmemoryeventbus.h"

#include <QtTest/QTest>

#include <functional>
#include <vector>

using namespace Sluice::Server;

namespace {
const QString prompt = QStringLiteral("p");

struct Recorder : EventSubscriber
{
    int id = 0;
    QList<int> *log = nullptr; // shared delivery log: (subscriber id) in delivery order
    QList<qint64> seqs;
    std::function<void()> onEvent;
    void onBusEvent(const BusEvent &event) override
    {
        seqs.append(event.seq);
        if (log)
            log->append(id);
        if (onEvent)
            onEvent();
    }
};

BusEvent eventNo(qint64 seq)
{
    return { prompt, seq, QStringLiteral("message"), "{}" };
}
} // namespace

class tst_InMemoryEventBus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void deliversInSubscriptionOrder()
    {
        InMemoryEventBus bus;
        QList<int> log;
        std::vector<Recorder> subs(100);
        for (int i = 0; i < 100; ++i) {
            subs[i].id = i;
            subs[i].log = &log;
            bus.subscribe(prompt, &subs[i]);
        }
        bus.subscribe(prompt, &subs[5]); // twice: still once
        QCOMPARE(bus.subscriberCount(prompt), 100);
        // Remove most (forces compaction), then re-add some: they go to the end.
        for (int i = 0; i < 100; ++i) {
            if (i % 10 != 0)
                bus.unsubscribe(prompt, &subs[i]);
        }
        bus.subscribe(prompt, &subs[3]);
        bus.subscribe(prompt, &subs[1]);
        bus.publish(eventNo(1));
        QCOMPARE(log, (QList<int> { 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 3, 1 }));
        QCOMPARE(bus.subscriberCount(prompt), 12);
        bus.unsubscribe(prompt, &subs[7]); // not subscribed: no-op
        QCOMPARE(bus.subscriberCount(prompt), 12);
    }

    void unsubscribeDuringDelivery()
    {
        InMemoryEventBus bus;
        QList<int> log;
        std::vector<Recorder> subs(10);
        for (int i = 0; i < 10; ++i) {
            subs[i].id = i;
            subs[i].log = &log;
            bus.subscribe(prompt, &subs[i]);
        }
        // 2 removes itself and 7 (later: must not get it) and 1 (earlier: already had it).
        subs[2].onEvent = [&] {
            bus.unsubscribe(prompt, &subs[2]);
            bus.unsubscribe(prompt, &subs[7]);
            bus.unsubscribe(prompt, &subs[1]);
        };
        bus.publish(eventNo(1));
        QCOMPARE(log, (QList<int> { 0, 1, 2, 3, 4, 5, 6, 8, 9 }));
        subs[2].onEvent = nullptr;
        log.clear();
        bus.publish(eventNo(2));
        QCOMPARE(log, (QList<int> { 0, 3, 4, 5, 6, 8, 9 }));
    }

    void everyoneLeavesDuringDelivery()
    {
        InMemoryEventBus bus;
        std::vector<Recorder> subs(6);
        for (auto &s : subs)
            bus.subscribe(prompt, &s);
        subs[0].onEvent = [&] {
            for (auto &s : subs)
                bus.unsubscribe(prompt, &s);
        };
        bus.publish(eventNo(1));
        QCOMPARE(subs[0].seqs, QList<qint64> { 1 });
        for (size_t i = 1; i < subs.size(); ++i)
            QVERIFY(subs[i].seqs.isEmpty());
        QCOMPARE(bus.subscriberCount(prompt), 0);
        bus.subscribe(prompt, &subs[3]);
        bus.publish(eventNo(2));
        QCOMPARE(subs[3].seqs, QList<qint64> { 2 });
    }

    void subscribeDuringDeliveryStartsWithNextEvent()
    {
        InMemoryEventBus bus;
        Recorder a, late;
        bus.subscribe(prompt, &a);
        a.onEvent = [&] {
            bus.subscribe(prompt, &late);
        };
        bus.publish(eventNo(1));
        QVERIFY(late.seqs.isEmpty());
        a.onEvent = nullptr;
        bus.publish(eventNo(2));
        QCOMPARE(a.seqs, (QList<qint64> { 1, 2 }));
        QCOMPARE(late.seqs, QList<qint64> { 2 });
    }

    void nestedPublishKeepsOrder()
    {
        // A subscriber publishing from inside delivery (a networked bus may do anything).
        InMemoryEventBus bus;
        QList<int> log;
        std::vector<Recorder> subs(4);
        for (int i = 0; i < 4; ++i) {
            subs[i].id = i;
            subs[i].log = &log;
            bus.subscribe(prompt, &subs[i]);
        }
        subs[1].onEvent = [&] {
            subs[1].onEvent = nullptr;
            bus.unsubscribe(prompt, &subs[0]);
            bus.unsubscribe(prompt, &subs[3]);
            bus.publish(eventNo(2));
        };
        bus.publish(eventNo(1));
        QCOMPARE(log, (QList<int> { 0, 1, 1, 2, 2 }));
        QCOMPARE(bus.subscriberCount(prompt), 2);
    }

    void unsubscribeManyStaysFast()
    {
        // 20 000 subscribers leaving one at a time from the front: quadratic would take minutes.
        InMemoryEventBus bus;
        std::vector<Recorder> subs(20000);
        for (auto &s : subs)
            bus.subscribe(prompt, &s);
        for (size_t i = 0; i + 1 < subs.size(); ++i)
            bus.unsubscribe(prompt, &subs[i]);
        bus.publish(eventNo(1));
        QCOMPARE(subs.back().seqs, QList<qint64> { 1 });
        QCOMPARE(bus.subscriberCount(prompt), 1);
    }
};

QTEST_GUILESS_MAIN(tst_InMemoryEventBus)
#include "tst_inmemoryeventbus.moc"
