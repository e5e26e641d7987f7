// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// SseReader: a raw-socket SSE client for the stream tests. Sends one GET with the given headers,
// parses the status line and headers, removes the chunked framing and hands the body to
// Sluice::SseParser (the SDK's WHATWG parser: the tests read streams exactly as clients do).
// `stalled` / setPaused() stop reading (a slow consumer: Qt's read buffer is capped, so the kernel
// buffers fill up and the server sees backpressure); setPaused(false) reads on.
#pragma once

#include <Sluice/SseParser.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtNetwork/QTcpSocket>

namespace Sluice::Test {

struct SseEvent
{
    qint64 id = 0; // the last event id as a number; 0 before the first `id:` (`connected`)
    QByteArray type; // "message" when the event had no `event:` line
    QByteArray data;
};

// first, first + 1, ..., last: what eventIds() must equal for a gap-free log.
QList<qint64> idRange(qint64 first, qint64 last);

class SseReader : public QObject
{
    Q_OBJECT
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    explicit SseReader(quint16 port, QObject *parent = nullptr);

    void open(const QString &pathAndQuery, const Headers &headers = {}, bool stalled = false);
    void abort(); // client vanishes
    // Stops (true) or resumes (false) reading from the socket.
    void setPaused(bool paused);

    int status() const { return m_status; }
    QByteArray header(const QByteArray &name) const; // all values joined with ", "
    bool headersReceived() const { return m_status != 0; }
    const QList<SseEvent> &events() const { return m_events; }
    // The ids of the events received so far that carry one (`connected` has none), in order.
    QList<qint64> eventIds() const;
    QList<QByteArray> comments() const { return m_comments; }
    bool isFinished() const { return m_finished; } // the server ended the connection
    bool sawEndChunk() const { return m_endChunk; }
    QByteArray body() const { return m_rawBody; } // non-SSE replies (errors)
    qint64 bytesReceived() const { return m_bytesReceived; }

Q_SIGNALS:
    void eventReceived();
    void finished();

private:
    void onReadyRead();
    void parseHead();
    void dechunk();

    quint16 m_port;
    QTcpSocket m_socket;
    Sluice::SseParser m_parser;
    QByteArray m_in;
    QByteArray m_rawBody;
    int m_status = 0;
    Headers m_headers;
    bool m_chunked = false;
    bool m_endChunk = false;
    bool m_finished = false;
    bool m_paused = false;
    qint64 m_bytesReceived = 0;
    QList<SseEvent> m_events;
    QList<QByteArray> m_comments;
};

} // namespace Sluice::Test
