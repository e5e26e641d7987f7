// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/ssereader.h"

#include <Sluice/Event.h>

namespace Sluice::Test {

SseReader::SseReader(quint16 port, QObject *parent)
    : QObject(parent)
    , m_port(port)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &SseReader::onReadyRead);
    connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
        onReadyRead();
        m_finished = true;
        Q_EMIT finished();
    });
    m_parser.setEventHandler([this](const Sluice::Event &event) {
        m_events.append(
            { event.lastEventId().toLongLong(), event.type().toUtf8(), event.data().toUtf8() });
        Q_EMIT eventReceived();
    });
    m_parser.setCommentHandler(
        [this](QStringView comment) { m_comments.append(comment.trimmed().toUtf8()); });
}

void SseReader::open(const QString &pathAndQuery, const Headers &headers, bool stalled)
{
    m_socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
    QByteArray request = "GET " + pathAndQuery.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1:"
        + QByteArray::number(m_port) + "\r\nAccept: text/event-stream\r\n";
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    request += "\r\n";
    m_socket.write(request);
    if (stalled)
        setPaused(true);
}

void SseReader::abort()
{
    disconnect(&m_socket, nullptr, this, nullptr);
    m_socket.abort();
}

void SseReader::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    // A capped read buffer makes Qt stop reading from the kernel once it holds that much.
    m_socket.setReadBufferSize(paused ? 1024 : 0);
    if (!paused)
        onReadyRead();
}

QByteArray SseReader::header(const QByteArray &name) const
{
    QByteArrayList values;
    for (const auto &[key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            values.append(value);
    }
    return values.join(", ");
}

void SseReader::onReadyRead()
{
    if (m_paused)
        return;
    const QByteArray data = m_socket.isOpen() ? m_socket.readAll() : QByteArray();
    m_bytesReceived += data.size();
    m_in += data;
    if (m_status == 0)
        parseHead();
    if (m_status == 0)
        return;
    if (m_chunked)
        dechunk();
    else {
        m_rawBody += m_in;
        m_in.clear();
    }
}

void SseReader::parseHead()
{
    const qsizetype end = m_in.indexOf("\r\n\r\n");
    if (end < 0)
        return;
    const QList<QByteArray> lines = m_in.left(end).split('\n');
    m_in.remove(0, end + 4);
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            m_headers.append({ line.left(colon).trimmed(), line.mid(colon + 1).trimmed() });
    }
    m_chunked = header("Transfer-Encoding").toLower() == "chunked";
    m_status = statusLine.value(1).toInt();
}

void SseReader::dechunk()
{
    // HTTP/1.1 chunked framing only; the SSE inside goes to the SDK's parser.
    qsizetype consumed = 0;
    while (!m_endChunk) {
        const qsizetype lineEnd = m_in.indexOf("\r\n", consumed);
        if (lineEnd < 0)
            break;
        bool ok = false;
        const qsizetype size = QByteArrayView(m_in)
                                   .sliced(consumed, lineEnd - consumed)
                                   .trimmed()
                                   .toLongLong(&ok, 16);
        if (!ok || m_in.size() < lineEnd + 2 + size + 2)
            break;
        if (size == 0) {
            m_endChunk = true;
            consumed = m_in.size();
            break;
        }
        m_parser.feed(QByteArrayView(m_in).sliced(lineEnd + 2, size));
        consumed = lineEnd + 2 + size + 2;
    }
    m_in.remove(0, consumed);
}

QList<qint64> SseReader::eventIds() const
{
    QList<qint64> ids;
    for (const SseEvent &e : m_events) {
        if (e.id > 0)
            ids.append(e.id);
    }
    return ids;
}

QList<qint64> idRange(qint64 first, qint64 last)
{
    QList<qint64> ids;
    for (qint64 i = first; i <= last; ++i)
        ids.append(i);
    return ids;
}

} // namespace Sluice::Test
