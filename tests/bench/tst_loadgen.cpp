// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-loadgen's parts on their own: the latency histogram's percentiles (within its 1 %
// precision), HttpConnection's response framing (Content-Length, chunked with extensions and
// trailers, keep-alive, a body until close) against a real socket, and the report's verdict.
#include "eventloop.h"
#include "histogram.h"
#include "httpconnection.h"
#include "report.h"

#include <QtCore/QJsonObject>
#include <QtTest/QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>

using namespace Sluice::LoadGen;

namespace {

// A listening socket on 127.0.0.1 that accepts one client and writes `script` to it.
struct OneShotServer
{
    int listener = -1;
    sockaddr_in address {};

    OneShotServer()
    {
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof address;
        ::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address);
        ::listen(listener, 4);
        ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &len);
    }
    ~OneShotServer() { ::close(listener); }
};

} // namespace

class tst_LoadGen : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void histogramPercentiles()
    {
        Histogram h;
        QCOMPARE(h.percentile(50), 0);
        for (int i = 1; i <= 100000; ++i)
            h.record(std::int64_t(i) * 1000); // 1 µs .. 100 ms, uniform
        QCOMPARE(h.count(), 100000u);
        QCOMPARE(h.max(), 100'000'000);
        for (const double p : { 50.0, 99.0, 99.9 }) {
            const double expected = p / 100.0 * 100'000'000;
            const double got = double(h.percentile(p));
            QVERIFY2(std::abs(got - expected) / expected < 0.01,
                     qPrintable(QStringLiteral("p%1: %2 for %3").arg(p).arg(got).arg(expected)));
        }
        Histogram other;
        other.record(5);
        h.merge(other);
        QCOMPARE(h.count(), 100001u);
        QCOMPARE(h.percentile(0.0001), 5);
    }

    void responseFraming()
    {
        OneShotServer server;
        EventLoop loop;
        in_addr any {};
        any.s_addr = htonl(INADDR_ANY);
        HttpConnection connection(loop, server.address, any);
        QList<int> statuses;
        QList<QByteArray> bodies { QByteArray() };
        bool closed = false;
        connection.onHead = [&](const HttpConnection::Head &head) {
            statuses << head.status;
        };
        connection.onBody = [&](const char *data, std::size_t size) {
            bodies.last().append(data, qsizetype(size));
        };
        connection.onResponseEnd = [&] {
            bodies << QByteArray();
        };
        connection.onClosed = [&](const char *) {
            closed = true;
        };
        QVERIFY(connection.open());
        connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        const int peer = ::accept4(server.listener, nullptr, nullptr, SOCK_CLOEXEC);
        QVERIFY(peer >= 0);
        // Three responses on one connection, the chunked one split across writes at awkward
        // places, then a body that ends with the connection.
        const QList<QByteArray> pieces {
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhel",
            "lo",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\nwi",
            "ki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: until close\n\n",
        };
        for (const QByteArray &piece : pieces) {
            QCOMPARE(::write(peer, piece.constData(), size_t(piece.size())), ssize_t(piece.size()));
            loop.runUntil([] { return false; }, monotonicNs() + 20'000'000);
        }
        ::close(peer);
        QVERIFY(loop.runUntil([&] { return closed; }, monotonicNs() + 5'000'000'000));
        QCOMPARE(statuses, (QList<int> { 201, 200, 200 }));
        QCOMPARE(bodies.mid(0, 3),
                 (QList<QByteArray> { "hello", "wikipedia", "data: until close\n\n" }));
    }

    void reportVerdict()
    {
        const QJsonObject good { { QStringLiteral("scenario"), QStringLiteral("fanout") },
                                 { QStringLiteral("label"), QStringLiteral("sluice") },
                                 { QStringLiteral("streams"), 10 },
                                 { QStringLiteral("prompts"), 1 },
                                 { QStringLiteral("events_per_second"), 10 },
                                 { QStringLiteral("deliveries"), 100 },
                                 { QStringLiteral("deliveries_per_second"), 1000 } };
        QVERIFY(checkRuns({ good }).isEmpty());
        QJsonObject lost = good;
        lost.insert(QStringLiteral("lost"), 1);
        QCOMPARE(checkRuns({ lost }).size(), 1);
        QJsonObject nothing = good;
        nothing.insert(QStringLiteral("deliveries"), 0);
        QCOMPARE(checkRuns({ nothing }).size(), 1);
        // The reference may lose or fail streams (it is measured, not judged), but not err.
        QJsonObject reference = lost;
        reference.insert(QStringLiteral("label"), QStringLiteral("reference"));
        QVERIFY(checkRuns({ reference }).isEmpty());
        reference.insert(QStringLiteral("error"), QStringLiteral("sign-in: HTTP 0"));
        QCOMPARE(checkRuns({ reference }).size(), 1);

        QJsonObject referenceGood = good;
        referenceGood.insert(QStringLiteral("label"), QStringLiteral("reference"));
        referenceGood.insert(QStringLiteral("deliveries_per_second"), 500);
        const QString table = markdownReport({ good, referenceGood });
        QVERIFY2(table.contains(QStringLiteral("| deliveries/s | 1000 | 500 | 2.00× |")),
                 qPrintable(table));
    }

    // The cluster scenario has a table of its own: two instances next to one, and its runs are
    // judged like any Sluice run.
    void reportClusterTable()
    {
        QJsonObject one { { QStringLiteral("scenario"), QStringLiteral("cluster") },
                          { QStringLiteral("label"), QStringLiteral("sluice") },
                          { QStringLiteral("instances"), 1 },
                          { QStringLiteral("streams"), 10 },
                          { QStringLiteral("prompts"), 1 },
                          { QStringLiteral("events_per_second"), 10 },
                          { QStringLiteral("deliveries"), 100 },
                          { QStringLiteral("deliveries_per_second"), 400 } };
        QJsonObject two = one;
        two.insert(QStringLiteral("instances"), 2);
        two.insert(QStringLiteral("deliveries_per_second"), 600);
        QJsonObject fanout = one;
        fanout.insert(QStringLiteral("scenario"), QStringLiteral("fanout"));
        const QString report = markdownReport({ fanout, one, two });
        QVERIFY2(report.contains(QStringLiteral("| Sluice | reference |")), qPrintable(report));
        QVERIFY2(report.contains(QStringLiteral("| 2 instances | 1 instance | ratio |")),
                 qPrintable(report));
        QVERIFY2(
            report.contains(QStringLiteral("PostgreSQL + Redis, 1 prompt(s) × 10 subscribers, "
                                           "10 events/s | deliveries/s | 600 | 400 | 1.50× |")),
            qPrintable(report));
        two.insert(QStringLiteral("duplicated"), 1);
        QCOMPARE(checkRuns({ one, two }).size(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_LoadGen)
#include "tst_loadgen.moc"
