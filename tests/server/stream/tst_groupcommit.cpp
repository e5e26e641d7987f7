// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Group commit against the real sluice-server: events POSTed at once by many producers share
// transactions (sluice_event_commits_total grows by less than the events), each still gets its
// own answer, the ids are the prompt's gap-free sequence in the order the log replays them, and
// invalid events in the same turn are answered on their own without failing the batch.
#include "stream/ssereader.h"
#include "stream/streamtestsupport.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>
#include <vector>

using namespace Sluice::Test;

namespace {

constexpr int waitMs = 30000;

struct Answer
{
    int status = 0;
    QJsonObject body;
};

// Reads one whole HTTP response with a Content-Length body from a raw socket.
Answer readAnswer(QTcpSocket &socket)
{
    QByteArray data;
    QDeadlineTimer deadline(waitMs);
    qsizetype headEnd = -1;
    qsizetype length = -1;
    while (!deadline.hasExpired()) {
        if (headEnd < 0 && (headEnd = data.indexOf("\r\n\r\n")) >= 0) {
            const QByteArray head = data.left(headEnd).toLower();
            const qsizetype at = head.indexOf("content-length:");
            length = at < 0
                ? 0
                : head.mid(at + 15, head.indexOf('\r', at) - at - 15).trimmed().toLongLong();
        }
        if (headEnd >= 0 && data.size() >= headEnd + 4 + length)
            break;
        if (!socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime()))))
            break;
        data += socket.readAll();
    }
    Answer answer;
    if (headEnd < 0)
        return answer;
    answer.status = data.mid(9, 3).toInt();
    answer.body = QJsonDocument::fromJson(data.mid(headEnd + 4, length)).object();
    return answer;
}

} // namespace

class tst_GroupCommit : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        QVERIFY(m_f.setUp(m_server, QStringLiteral("alice"), QStringLiteral("alice-password-1")));
    }

    void concurrentPublishesShareCommits()
    {
        constexpr int producers = 48;
        const QByteArray metricsBefore = m_f.http->get(QStringLiteral("/metrics")).body;

        // Every producer connected first, then all requests written back to back, so that they
        // reach the server while it is committing the first of them.
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < producers; ++i) {
            sockets.push_back(std::make_unique<QTcpSocket>());
            sockets.back()->connectToHost(QHostAddress::LocalHost, m_server.port());
            QVERIFY(sockets.back()->waitForConnected(waitMs));
        }
        const QByteArray path = m_f.promptPath(QStringLiteral("events")).toLatin1();
        for (int i = 0; i < producers; ++i) {
            // Every eighth event is invalid (data must be an object): answered 400 on its own.
            const QByteArray body = i % 8 == 7
                ? QByteArray(R"({"type":"message","data":42})")
                : R"({"type":"message","data":{"producer":)" + QByteArray::number(i) + "}}";
            sockets[std::size_t(i)]->write("POST " + path
                                           + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                                           + m_f.bearerHeader()
                                           + "\r\nContent-Type: application/json\r\n"
                                             "Content-Length: "
                                           + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        }
        for (auto &socket : sockets)
            QVERIFY(socket->waitForBytesWritten(waitMs) || socket->bytesToWrite() == 0);

        QList<qint64> ids;
        QHash<qint64, int> producerOfId;
        for (int i = 0; i < producers; ++i) {
            const Answer answer = readAnswer(*sockets[std::size_t(i)]);
            if (i % 8 == 7) {
                QCOMPARE(answer.status, 400);
                continue;
            }
            QCOMPARE(answer.status, 201);
            const auto id = qint64(answer.body.value(QStringLiteral("id")).toDouble());
            ids << id;
            producerOfId.insert(id, i);
        }
        const int valid = producers - producers / 8;
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids.size(), valid);
        for (int i = 0; i < valid; ++i)
            QCOMPARE(ids.at(i), qint64(i + 1)); // gap-free, each id once

        const QByteArray metricsAfter = m_f.http->get(QStringLiteral("/metrics")).body;
        const double appended = metricValue(metricsAfter, "sluice_events_appended_total")
            - metricValue(metricsBefore, "sluice_events_appended_total");
        const double commits = metricValue(metricsAfter, "sluice_event_commits_total")
            - metricValue(metricsBefore, "sluice_event_commits_total");
        qInfo("%d events in %d commits", int(appended), int(commits));
        QCOMPARE(appended, double(valid));
        QVERIFY2(commits >= 1 && commits < appended,
                 qPrintable(QStringLiteral("%1 commits for %2 events").arg(commits).arg(appended)));

        // The log replays exactly what was answered: id n holds the producer that got n.
        SseReader reader(m_server.port());
        m_f.openStream(reader);
        QTRY_VERIFY_WITH_TIMEOUT(reader.events().size() >= valid + 1, waitMs); // + connected
        for (int n = 1; n <= valid; ++n) {
            const SseEvent &event = reader.events().at(n);
            QCOMPARE(event.id, qint64(n));
            const QJsonObject data = QJsonDocument::fromJson(event.data).object();
            QCOMPARE(data.value(QStringLiteral("producer")).toInt(), producerOfId.value(n));
        }
    }

private:
    ServerProcess m_server;
    StreamFixture m_f;
};

QTEST_GUILESS_MAIN(tst_GroupCommit)
#include "tst_groupcommit.moc"
