// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// bench_fanout: in-process fan-out of one prompt's events to N subscribers, the way the server
// does it (InMemoryEventBus, one SSE frame per delivery appended to a per-subscriber output
// buffer), before and after issue 10's first step, in one run:
// - before: the bus as it was (a QList per prompt, membership by QList::contains on every
//   subscribe and on every delivery) and a frame built by each subscriber;
// - after: InMemoryEventBus (O(1) per subscriber) and one frame per event, shared by all.
// Prints a Markdown table: subscribe N, one event to N (p50 / p99 latency), deliveries/s,
// unsubscribe N.
#include "bus/inmemoryeventbus.h"
#include "stream/sseframe.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QList>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

using namespace Sluice::Server;

namespace {

// The bus before: its code at the parent of the change, verbatim but for the name.
class QuadraticBus final : public EventBus
{
public:
    void publish(const BusEvent &event) override
    {
        const auto it = m_subscribers.constFind(event.promptId);
        if (it == m_subscribers.cend())
            return;
        const QList<EventSubscriber *> snapshot = it.value();
        for (EventSubscriber *subscriber : snapshot) {
            const auto current = m_subscribers.constFind(event.promptId);
            if (current == m_subscribers.cend())
                return;
            if (current.value().contains(subscriber))
                subscriber->onBusEvent(event);
        }
    }
    void subscribe(const QString &promptId, EventSubscriber *subscriber) override
    {
        QList<EventSubscriber *> &list = m_subscribers[promptId];
        if (!list.contains(subscriber))
            list.append(subscriber);
    }
    void unsubscribe(const QString &promptId, EventSubscriber *subscriber) override
    {
        const auto it = m_subscribers.find(promptId);
        if (it == m_subscribers.end())
            return;
        it.value().removeAll(subscriber);
        if (it.value().isEmpty())
            m_subscribers.erase(it);
    }

private:
    QHash<QString, QList<EventSubscriber *>> m_subscribers;
};

// A stream's live path: the frame goes into an output buffer (the socket's, in the server).
struct Subscriber : EventSubscriber
{
    Subscriber() { out.reserve(outLimit + 1024); } // no growth while measuring
    static constexpr qsizetype outLimit = 4096;
    QByteArray out;
    qint64 delivered = 0;
    void onBusEvent(const BusEvent &event) override
    {
        if (event.frame.isEmpty())
            write(SseFrame::event(event.seq, event.type.toUtf8(), event.data));
        else
            write(event.frame);
        ++delivered;
    }
    void write(const QByteArray &frame)
    {
        if (out.size() > outLimit)
            out.resize(0); // "the client read it": keeps memory flat, keeps the copy
        out.append(frame);
    }
};

struct Result
{
    double subscribeMs = 0;
    double p50Us = 0;
    double p99Us = 0;
    double deliveriesPerSec = 0;
    double unsubscribeMs = 0;
};

Result run(EventBus &bus, int subscribers, int events, bool sharedFrame)
{
    const QString prompt = QStringLiteral("prompt-1");
    std::vector<std::unique_ptr<Subscriber>> subs;
    subs.reserve(size_t(subscribers));
    for (int i = 0; i < subscribers; ++i)
        subs.push_back(std::make_unique<Subscriber>());

    Result r;
    QElapsedTimer timer;
    timer.start();
    for (const auto &s : subs)
        bus.subscribe(prompt, s.get());
    r.subscribeMs = double(timer.nsecsElapsed()) / 1e6;

    const QByteArray data = QByteArrayLiteral(
        R"({"text":"a token or two of the model's answer","index":12345,"final":false})");
    const QString type = QStringLiteral("message");
    std::vector<qint64> latencies;
    latencies.reserve(size_t(events));
    qint64 total = 0;
    for (int e = 1; e <= events; ++e) {
        timer.restart();
        BusEvent event { prompt, e, type, data, {} };
        if (sharedFrame)
            event.frame = SseFrame::event(e, type.toUtf8(), data);
        bus.publish(event);
        const qint64 ns = timer.nsecsElapsed();
        latencies.push_back(ns);
        total += ns;
    }
    std::sort(latencies.begin(), latencies.end());
    r.p50Us = double(latencies[latencies.size() / 2]) / 1e3;
    r.p99Us = double(latencies[latencies.size() * 99 / 100]) / 1e3;
    qint64 delivered = 0;
    for (const auto &s : subs)
        delivered += s->delivered;
    r.deliveriesPerSec = double(delivered) / (double(total) / 1e9);

    timer.restart();
    for (const auto &s : subs) // oldest first, as streams of a connect storm end
        bus.unsubscribe(prompt, s.get());
    r.unsubscribeMs = double(timer.nsecsElapsed()) / 1e6;
    return r;
}

void row(const char *what, int n, double before, double after, const char *unit, bool higherBetter)
{
    const double ratio = higherBetter ? after / before : before / after;
    std::printf("| %s | %d | %.1f %s | %.1f %s | %.1fx |\n", what, n, before, unit, after, unit,
                ratio);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int events = 200;
    std::printf("bench_fanout: one prompt, N subscribers, %d events of ~80 bytes, in process\n\n",
                events);
    std::printf("| scenario | N | before | after | speed-up |\n|---|---|---|---|---|\n");
    for (const int n : { 1000, 5000 }) {
        QuadraticBus oldBus;
        InMemoryEventBus newBus;
        const Result before = run(oldBus, n, events, false);
        const Result after = run(newBus, n, events, true);
        row("subscribe N", n, before.subscribeMs, after.subscribeMs, "ms", false);
        row("one event to N, p50", n, before.p50Us, after.p50Us, "us", false);
        row("one event to N, p99", n, before.p99Us, after.p99Us, "us", false);
        row("deliveries/s (thousands)", n, before.deliveriesPerSec / 1e3,
            after.deliveriesPerSec / 1e3, "k/s", true);
        row("unsubscribe N", n, before.unsubscribeMs, after.unsubscribeMs, "ms", false);
    }
    return 0;
}
