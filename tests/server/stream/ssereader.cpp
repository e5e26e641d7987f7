#include "stream/ssereader.h"

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
}

void SseReader::open(const QString &pathAndQuery, const Headers &headers, bool stalled)
{
    if (stalled)
        m_socket.setReadBufferSize(1024);
    m_socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
    QByteArray request = "GET " + pathAndQuery.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1:"
        + QByteArray::number(m_port) + "\r\nAccept: text/event-stream\r\n";
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    request += "\r\n";
    m_socket.write(request);
    if (stalled)
        disconnect(&m_socket, &QTcpSocket::readyRead, this, &SseReader::onReadyRead);
}

void SseReader::abort()
{
    disconnect(&m_socket, nullptr, this, nullptr);
    m_socket.abort();
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
    m_in += m_socket.readAll();
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
    while (!m_endChunk) {
        const qsizetype lineEnd = m_in.indexOf("\r\n");
        if (lineEnd < 0)
            break;
        bool ok = false;
        const qsizetype size = m_in.left(lineEnd).trimmed().toLongLong(&ok, 16);
        if (!ok || m_in.size() < lineEnd + 2 + size + 2)
            break;
        if (size == 0) {
            m_endChunk = true;
            m_in.clear();
            break;
        }
        m_sse += m_in.mid(lineEnd + 2, size);
        m_in.remove(0, lineEnd + 2 + size + 2);
    }
    parseSse();
}

void SseReader::parseSse()
{
    // Lines end with LF (the server never sends CR).
    qsizetype start = 0;
    bool dispatched = false;
    for (;;) {
        const qsizetype end = m_sse.indexOf('\n', start);
        if (end < 0)
            break;
        const QByteArray line = m_sse.mid(start, end - start);
        start = end + 1;
        if (line.isEmpty()) {
            if (m_pendingHasData) {
                m_events.append(m_pending);
                dispatched = true;
            }
            m_pending = {};
            m_pendingHasData = false;
            continue;
        }
        if (line.startsWith(':')) {
            m_comments.append(line.mid(1).trimmed());
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        const QByteArray field = colon < 0 ? line : line.left(colon);
        QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
        if (value.startsWith(' '))
            value.remove(0, 1);
        if (field == "id")
            m_pending.id = value.toLongLong();
        else if (field == "event")
            m_pending.type = value;
        else if (field == "data") {
            if (m_pendingHasData)
                m_pending.data += '\n';
            m_pending.data += value;
            m_pendingHasData = true;
        }
    }
    m_sse.remove(0, start);
    if (dispatched)
        Q_EMIT eventReceived();
}

} // namespace Sluice::Test
