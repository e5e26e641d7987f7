// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

// ScriptedSseServer: a tiny, fully scriptable HTTP/1.1 server for tests of SSE clients.
//
// It listens on 127.0.0.1 with an ephemeral port, parses every incoming request (request line,
// headers, Content-Length body), records it, and answers it by playing a ResponseScript: a status
// line and headers followed by a list of steps (send bytes, send bytes slowly in timed pieces,
// wait, end the response, drop the connection mid-stream, hold the connection open silently).
// Every response carries `Connection: close`, so each request has its own connection.
//
// Which script answers a request:
//   - a handler set with setHandler() is asked for every request, or else
//   - the scripts queue: the n-th request gets the n-th script, the last one repeats
//     (an empty queue answers 404).
//
// Typical use in a QtTest (the server lives in the test's thread and event loop):
//
//   Sluice::Testing::ScriptedSseServer server;
//   QVERIFY(server.listen());
//   server.setScripts({
//       ResponseScript::sse().send("id: 1\ndata: first\n\n").send("data: part").drop(),
//       ResponseScript::sse().send("data: second\n\n").hold(),
//   });
//   QSignalSpy requests(&server, &ScriptedSseServer::requestReceived);
//   ... start the client on server.url() ...
//   QTRY_COMPARE_WITH_TIMEOUT(server.requestCount(), 2, 10000);
//   QCOMPARE(server.requests().at(1).header("Last-Event-ID"), "1");
//
// A client started as a child process (QProcess) works the same way, as long as the test keeps
// running its event loop (QSignalSpy::wait, QTRY_*), since the server is driven by it.
//
// Waiting in tests: prefer QTRY_* (polling) to QSignalSpy::wait() on a client's stream signals.
// Leaving a nested event loop from inside a QNetworkReply signal while this server closes a
// connection makes Qt 6.4's HTTP/1 stack more likely to send a copy of the finished request on a
// new connection (it also happens, rarely, without); the copy would take the next script of the
// queue and count as a request. See setDeduplicationHeader() for a way to make tests immune.
//
// Limits (on purpose, it is a test tool): no keep-alive, no TLS, no chunked *request* bodies,
// one request per connection. Not thread-safe; use it from one thread.

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QUrl>
#include <QtCore/QUrlQuery>

#include <functional>
#include <memory>

namespace Sluice::Testing {

// One request as the server received it.
struct RecordedRequest
{
    int index = -1; // 0-based order of arrival at this server
    QByteArray method; // "GET", "POST", ...
    QByteArray target; // the request target as sent: path + optional "?query"
    QByteArray httpVersion; // "HTTP/1.1"
    QList<QPair<QByteArray, QByteArray>> headers; // in order, names as sent, values trimmed
    QByteArray body; // Content-Length bytes (empty when none)

    // The first value of a header (case-insensitive name), empty when absent.
    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;
    // All values of a header, in order.
    QList<QByteArray> headerValues(const QByteArray &name) const;
    // The decoded path without the query, e.g. "/stream".
    QString path() const;
    QUrlQuery query() const;
};

// What the server does with one request. A value type with a fluent builder:
//
//   ResponseScript::sse().send("retry: 50\n").sendSlowly("data: x\n\n", 1, 5).drop()
//   ResponseScript::status(503).setHeader("Retry-After", "1")
//   ResponseScript::redirect(307, "/elsewhere")
//
// The status line and headers are written as soon as the request is complete (except for
// silent()), then the steps run in order. When the steps run out, the response ends (as end()).
class ResponseScript
{
public:
    // How the body is delimited.
    enum class Framing {
        CloseDelimited, // no Content-Length; the body ends when the server closes (default)
        Chunked, // Transfer-Encoding: chunked, one chunk per send() piece
        ContentLength, // Content-Length = the total of all send() bytes
    };

    struct Step
    {
        enum class Kind { Send, Wait, End, Drop, Hold };
        Kind kind = Kind::Send;
        QByteArray bytes;
        int milliseconds = 0;
    };

    // 200 OK, Content-Type: text/event-stream, Cache-Control: no-cache, close-delimited, no steps.
    ResponseScript();

    // A 200 event stream (as the default constructor) with the given framing.
    static ResponseScript sse(Framing framing = Framing::CloseDelimited);
    // `code` with an optional small body (Content-Length framing) and content type.
    static ResponseScript status(int code, const QByteArray &body = {},
                                 const QByteArray &contentType = "text/plain");
    // A 3xx with Location (absolute or relative reference, sent as given).
    static ResponseScript redirect(int code, const QByteArray &location);
    // 204 No Content.
    static ResponseScript noContent();
    // Reads the request and never answers: the connection stays open, silent, until the client
    // goes away or the server is destroyed (read-timeout tests).
    static ResponseScript silent();

    ResponseScript &setStatus(int code, const QByteArray &reason = {});
    // Replaces any header of that name (case-insensitive); an empty value removes it.
    ResponseScript &setHeader(const QByteArray &name, const QByteArray &value);
    ResponseScript &setFraming(Framing framing);

    // Writes bytes (one chunk when chunked).
    ResponseScript &send(const QByteArray &bytes);
    // Writes bytes in pieces of `pieceSize` bytes, `intervalMs` apart (each piece is flushed).
    ResponseScript &sendSlowly(const QByteArray &bytes, int pieceSize = 1, int intervalMs = 1);
    // Pauses the script.
    ResponseScript &wait(int milliseconds);
    // Ends the body properly (chunked: the terminating 0-size chunk) and closes the connection.
    ResponseScript &end();
    // Closes the connection without ending the body: a dropped stream (mid-event if the last
    // bytes sent do not end with a blank line).
    ResponseScript &drop();
    // Keeps the connection open, silently, from here on.
    ResponseScript &hold();

    int statusCode() const { return m_status; }
    QByteArray reasonPhrase() const;
    QList<QPair<QByteArray, QByteArray>> headers() const { return m_headers; }
    Framing framing() const { return m_framing; }
    QList<Step> steps() const { return m_steps; }
    bool isSilent() const { return m_silent; }

private:
    int m_status = 200;
    QByteArray m_reason;
    QList<QPair<QByteArray, QByteArray>> m_headers;
    Framing m_framing = Framing::CloseDelimited;
    QList<Step> m_steps;
    bool m_silent = false;
};

class ScriptedConnection;

class ScriptedSseServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<ResponseScript(const RecordedRequest &request)>;

    explicit ScriptedSseServer(QObject *parent = nullptr);
    ~ScriptedSseServer() override;

    // Listens on 127.0.0.1, port 0 (the system picks a free port).
    bool listen();
    quint16 port() const;
    // http://127.0.0.1:<port><pathAndQuery>
    QUrl url(const QString &pathAndQuery = QStringLiteral("/stream")) const;

    // The scripts queue: the n-th request gets the n-th script, the last one repeats.
    void setScripts(const QList<ResponseScript> &scripts);
    void appendScript(const ResponseScript &script);
    // A handler decides per request instead (takes precedence over the queue when set).
    void setHandler(Handler handler);

    // Qt 6.4's HTTP/1 stack sometimes sends a copy of a finished request on a new connection by
    // itself (seen when the server ends a response by closing); the copy is byte-identical and
    // its answer goes nowhere. With a header name set here (give every real request a unique
    // value of it, e.g. from a request hook), a request repeating an already-seen value is
    // answered 204, emitted as duplicateIgnored(), and neither recorded nor given a script.
    void setDeduplicationHeader(const QByteArray &name);

    QList<RecordedRequest> requests() const;
    int requestCount() const;
    // Connections currently open (accepted and not yet closed by either side).
    int openConnections() const;
    // Closes every open connection at once (abruptly, like a server restart).
    void closeAllConnections();

Q_SIGNALS:
    // A complete request arrived (emitted before its response starts).
    void requestReceived(const Sluice::Testing::RecordedRequest &request);
    // A repeated request was ignored (see setDeduplicationHeader()); its index is -1.
    void duplicateIgnored(const Sluice::Testing::RecordedRequest &request);
    // The script of request `index` finished (end() or drop()); not emitted for hold()/silent().
    void responseFinished(int index);
    // The connection of request `index` closed (either side). index is -1 when the client went
    // away before sending a complete request.
    void connectionClosed(int index);

private:
    friend class ScriptedConnection;
    ResponseScript scriptFor(const RecordedRequest &request) const;
    void onRequest(ScriptedConnection *connection, const RecordedRequest &request);

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Sluice::Testing

Q_DECLARE_METATYPE(Sluice::Testing::RecordedRequest)
