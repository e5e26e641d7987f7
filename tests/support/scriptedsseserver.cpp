// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "scriptedsseserver.h"

#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtCore/QTimer>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <algorithm>

namespace Sluice::Testing {

namespace {

constexpr qsizetype MaxHeaderBytes = 64 * 1024;

bool sameName(const QByteArray &a, const QByteArray &b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

QByteArray defaultReason(int code)
{
    switch (code) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 408:
        return "Request Timeout";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

bool statusHasNoBody(int code)
{
    return (code >= 100 && code < 200) || code == 204 || code == 304;
}

} // namespace

// --- RecordedRequest ---------------------------------------------------------------------------

QByteArray RecordedRequest::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (sameName(key, name))
            return value;
    }
    return {};
}

bool RecordedRequest::hasHeader(const QByteArray &name) const
{
    return std::any_of(headers.cbegin(), headers.cend(),
                       [&](const auto &h) { return sameName(h.first, name); });
}

QList<QByteArray> RecordedRequest::headerValues(const QByteArray &name) const
{
    QList<QByteArray> values;
    for (const auto &[key, value] : headers) {
        if (sameName(key, name))
            values.append(value);
    }
    return values;
}

QString RecordedRequest::path() const
{
    const qsizetype q = target.indexOf('?');
    return QUrl::fromPercentEncoding(q < 0 ? target : target.left(q));
}

QUrlQuery RecordedRequest::query() const
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? QUrlQuery() : QUrlQuery(QString::fromLatin1(target.mid(q + 1)));
}

// --- ResponseScript ----------------------------------------------------------------------------

ResponseScript::ResponseScript()
{
    m_headers = { { "Content-Type", "text/event-stream" }, { "Cache-Control", "no-cache" } };
}

ResponseScript ResponseScript::sse(Framing framing)
{
    ResponseScript script;
    script.m_framing = framing;
    return script;
}

ResponseScript ResponseScript::status(int code, const QByteArray &body,
                                      const QByteArray &contentType)
{
    ResponseScript script;
    script.m_status = code;
    script.m_headers.clear();
    script.m_framing = Framing::ContentLength;
    if (!body.isEmpty()) {
        script.setHeader("Content-Type", contentType);
        script.send(body);
    }
    return script;
}

ResponseScript ResponseScript::redirect(int code, const QByteArray &location)
{
    ResponseScript script = status(code);
    script.setHeader("Location", location);
    return script;
}

ResponseScript ResponseScript::noContent()
{
    return status(204);
}

ResponseScript ResponseScript::silent()
{
    ResponseScript script;
    script.m_silent = true;
    return script;
}

ResponseScript &ResponseScript::setStatus(int code, const QByteArray &reason)
{
    m_status = code;
    m_reason = reason;
    return *this;
}

ResponseScript &ResponseScript::setHeader(const QByteArray &name, const QByteArray &value)
{
    m_headers.removeIf([&](const auto &h) { return sameName(h.first, name); });
    if (!value.isEmpty())
        m_headers.append({ name, value });
    return *this;
}

ResponseScript &ResponseScript::setFraming(Framing framing)
{
    m_framing = framing;
    return *this;
}

ResponseScript &ResponseScript::send(const QByteArray &bytes)
{
    m_steps.append({ Step::Kind::Send, bytes, 0 });
    return *this;
}

ResponseScript &ResponseScript::sendSlowly(const QByteArray &bytes, int pieceSize, int intervalMs)
{
    pieceSize = std::max(1, pieceSize);
    for (qsizetype i = 0; i < bytes.size(); i += pieceSize) {
        if (i > 0)
            wait(intervalMs);
        send(bytes.mid(i, pieceSize));
    }
    return *this;
}

ResponseScript &ResponseScript::wait(int milliseconds)
{
    m_steps.append({ Step::Kind::Wait, {}, std::max(0, milliseconds) });
    return *this;
}

ResponseScript &ResponseScript::end()
{
    m_steps.append({ Step::Kind::End, {}, 0 });
    return *this;
}

ResponseScript &ResponseScript::drop()
{
    m_steps.append({ Step::Kind::Drop, {}, 0 });
    return *this;
}

ResponseScript &ResponseScript::hold()
{
    m_steps.append({ Step::Kind::Hold, {}, 0 });
    return *this;
}

QByteArray ResponseScript::reasonPhrase() const
{
    return m_reason.isEmpty() ? defaultReason(m_status) : m_reason;
}

// --- ScriptedConnection ------------------------------------------------------------------------

// One accepted socket: reads one request, then plays its script.
class ScriptedConnection : public QObject
{
public:
    ScriptedConnection(QTcpSocket *socket, ScriptedSseServer *server)
        : QObject(server)
        , m_socket(socket)
        , m_server(server)
    {
        socket->setParent(this);
        connect(socket, &QTcpSocket::readyRead, this, &ScriptedConnection::onReadyRead);
        connect(socket, &QTcpSocket::disconnected, this, &ScriptedConnection::onDisconnected);
        m_stepTimer.setSingleShot(true);
        connect(&m_stepTimer, &QTimer::timeout, this, &ScriptedConnection::runSteps);
    }

    void play(int index, const ResponseScript &script)
    {
        m_index = index;
        m_script = script;
        if (script.isSilent())
            return;
        writeHead();
        runSteps();
    }

    // Abrupt close (closeAllConnections, server destruction); no signals when `quiet`.
    void abortNow(bool quiet)
    {
        m_stepTimer.stop();
        if (quiet)
            m_socket->disconnect(this);
        m_socket->abort();
        if (!quiet)
            onDisconnected();
    }

    bool isClosed() const { return m_closed; }

private:
    void onReadyRead()
    {
        if (m_requestDone) {
            m_socket->readAll(); // one request per connection; ignore the rest
            return;
        }
        m_buffer += m_socket->readAll();
        if (m_headerEnd < 0) {
            m_headerEnd = m_buffer.indexOf("\r\n\r\n");
            if (m_headerEnd < 0) {
                if (m_buffer.size() > MaxHeaderBytes)
                    fail(431);
                return;
            }
            if (!parseHead())
                return;
        }
        const qsizetype bodyStart = m_headerEnd + 4;
        if (m_buffer.size() - bodyStart < m_contentLength)
            return;
        m_request.body = m_buffer.mid(bodyStart, m_contentLength);
        m_requestDone = true;
        m_buffer.clear();
        m_server->onRequest(this, m_request);
    }

    bool parseHead()
    {
        const QList<QByteArray> lines = m_buffer.left(m_headerEnd).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/")) {
            fail(400);
            return false;
        }
        m_request.method = requestLine.at(0);
        m_request.target = requestLine.at(1);
        m_request.httpVersion = requestLine.at(2);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0) {
                fail(400);
                return false;
            }
            m_request.headers.append({ line.left(colon).trimmed(), line.mid(colon + 1).trimmed() });
        }
        if (m_request.hasHeader("Transfer-Encoding")) {
            fail(501); // chunked request bodies are not supported
            return false;
        }
        bool ok = true;
        const QByteArray length = m_request.header("Content-Length");
        m_contentLength = length.isEmpty() ? 0 : length.toLongLong(&ok);
        if (!ok || m_contentLength < 0) {
            fail(400);
            return false;
        }
        return true;
    }

    void fail(int code)
    {
        m_requestDone = true;
        m_script = ResponseScript::status(code);
        writeHead();
        runSteps();
    }

    void writeHead()
    {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(m_script.statusCode()) + ' '
            + m_script.reasonPhrase() + "\r\n";
        for (const auto &[name, value] : m_script.headers())
            head += name + ": " + value + "\r\n";
        if (!statusHasNoBody(m_script.statusCode())) {
            switch (m_script.framing()) {
            case ResponseScript::Framing::CloseDelimited:
                break;
            case ResponseScript::Framing::Chunked:
                head += "Transfer-Encoding: chunked\r\n";
                break;
            case ResponseScript::Framing::ContentLength: {
                qsizetype total = 0;
                for (const auto &step : m_script.steps()) {
                    if (step.kind == ResponseScript::Step::Kind::Send)
                        total += step.bytes.size();
                }
                head += "Content-Length: " + QByteArray::number(total) + "\r\n";
                break;
            }
            }
        }
        head += "Connection: close\r\n\r\n";
        m_socket->write(head);
        m_steps = m_script.steps();
        m_nextStep = 0;
    }

    void runSteps()
    {
        using Kind = ResponseScript::Step::Kind;
        const bool chunked = m_script.framing() == ResponseScript::Framing::Chunked
            && !statusHasNoBody(m_script.statusCode());
        while (!m_closed) {
            if (m_nextStep >= m_steps.size()) {
                finish(true, chunked);
                return;
            }
            const ResponseScript::Step step = m_steps.at(m_nextStep++);
            switch (step.kind) {
            case Kind::Send:
                if (step.bytes.isEmpty())
                    break;
                if (chunked)
                    m_socket->write(QByteArray::number(step.bytes.size(), 16) + "\r\n" + step.bytes
                                    + "\r\n");
                else
                    m_socket->write(step.bytes);
                m_socket->flush();
                break;
            case Kind::Wait:
                m_stepTimer.start(step.milliseconds);
                return;
            case Kind::End:
                finish(true, chunked);
                return;
            case Kind::Drop:
                finish(false, chunked);
                return;
            case Kind::Hold:
                return;
            }
        }
    }

    void finish(bool properly, bool chunked)
    {
        if (properly && chunked)
            m_socket->write("0\r\n\r\n");
        m_nextStep = m_steps.size();
        const QPointer<ScriptedConnection> guard(this);
        Q_EMIT m_server->responseFinished(m_index);
        if (guard)
            m_socket->disconnectFromHost(); // flushes what is pending, then closes
    }

    void onDisconnected()
    {
        if (m_closed)
            return;
        m_closed = true;
        m_stepTimer.stop();
        Q_EMIT m_server->connectionClosed(m_index);
        deleteLater();
    }

    QTcpSocket *m_socket;
    ScriptedSseServer *m_server;
    QByteArray m_buffer;
    qsizetype m_headerEnd = -1;
    qint64 m_contentLength = 0;
    bool m_requestDone = false;
    bool m_closed = false;
    RecordedRequest m_request;
    ResponseScript m_script;
    QList<ResponseScript::Step> m_steps;
    qsizetype m_nextStep = 0;
    int m_index = -1;
    QTimer m_stepTimer;
};

// --- ScriptedSseServer -------------------------------------------------------------------------

struct ScriptedSseServer::Private
{
    QTcpServer tcpServer;
    QList<ResponseScript> scripts;
    Handler handler;
    QList<RecordedRequest> requests;
    QList<QPointer<ScriptedConnection>> connections;
    QByteArray deduplicationHeader;
    QSet<QByteArray> seenKeys;
};

ScriptedSseServer::ScriptedSseServer(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    connect(&d->tcpServer, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = d->tcpServer.nextPendingConnection()) {
            auto *connection = new ScriptedConnection(socket, this);
            d->connections.append(connection);
        }
    });
}

ScriptedSseServer::~ScriptedSseServer()
{
    d->tcpServer.close();
    for (const auto &connection : std::as_const(d->connections)) {
        if (connection)
            connection->abortNow(true);
    }
}

bool ScriptedSseServer::listen()
{
    return d->tcpServer.listen(QHostAddress::LocalHost, 0);
}

quint16 ScriptedSseServer::port() const
{
    return d->tcpServer.serverPort();
}

QUrl ScriptedSseServer::url(const QString &pathAndQuery) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(pathAndQuery));
}

void ScriptedSseServer::setScripts(const QList<ResponseScript> &scripts)
{
    d->scripts = scripts;
}

void ScriptedSseServer::appendScript(const ResponseScript &script)
{
    d->scripts.append(script);
}

void ScriptedSseServer::setHandler(Handler handler)
{
    d->handler = std::move(handler);
}

void ScriptedSseServer::setDeduplicationHeader(const QByteArray &name)
{
    d->deduplicationHeader = name;
}

QList<RecordedRequest> ScriptedSseServer::requests() const
{
    return d->requests;
}

int ScriptedSseServer::requestCount() const
{
    return int(d->requests.size());
}

int ScriptedSseServer::openConnections() const
{
    return int(std::count_if(d->connections.cbegin(), d->connections.cend(),
                             [](const auto &c) { return c && !c->isClosed(); }));
}

void ScriptedSseServer::closeAllConnections()
{
    const auto connections = d->connections;
    for (const auto &connection : connections) {
        if (connection && !connection->isClosed())
            connection->abortNow(false);
    }
}

ResponseScript ScriptedSseServer::scriptFor(const RecordedRequest &request) const
{
    if (d->handler)
        return d->handler(request);
    if (d->scripts.isEmpty())
        return ResponseScript::status(404, "no script\n");
    return d->scripts.at(std::min<qsizetype>(request.index, d->scripts.size() - 1));
}

void ScriptedSseServer::onRequest(ScriptedConnection *connection, const RecordedRequest &received)
{
    d->connections.removeIf([](const auto &c) { return c.isNull(); });
    const QPointer<ScriptedConnection> guard(connection);
    if (!d->deduplicationHeader.isEmpty() && received.hasHeader(d->deduplicationHeader)) {
        const QByteArray key = received.header(d->deduplicationHeader);
        if (d->seenKeys.contains(key)) {
            Q_EMIT duplicateIgnored(received);
            if (guard && !guard->isClosed())
                guard->play(-1, ResponseScript::noContent());
            return;
        }
        d->seenKeys.insert(key);
    }
    RecordedRequest request = received;
    request.index = int(d->requests.size());
    d->requests.append(request);
    Q_EMIT requestReceived(request);
    if (guard && !guard->isClosed())
        guard->play(request.index, scriptFor(request));
}

} // namespace Sluice::Testing
