// SseStream: one open text/event-stream reply, and the only writer of SSE responses. Owns the
// QHttpServerResponder (moved in from the route handler) and:
// - writes 200 with Content-Type: text/event-stream; charset=utf-8, Cache-Control: no-store,
//   X-Accel-Buffering: no, Referrer-Policy: no-referrer and the headers the caller passes (the
//   CORS policy's, from ResponseFinisher::responderHeaders), chunked, starting with a retry: hint;
// - frames events (SseFrame) and sends a `:` heartbeat comment every heartbeat interval;
// - notices a vanished client (socket disconnected / error) and closes;
// - backpressure: when the socket's unsent bytes exceed maxBufferedBytes the stream is aborted
//   (the buffered bytes are dropped with the connection; the client resumes by Last-Event-ID);
// - ends gracefully with finish() (optional final comment, terminating chunk, close after flush).
// closed(reason) is emitted exactly once; the object may be deleted after that.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <memory>

class QHttpServerResponder;
#include <QTcpSocket>

namespace Sluice::Server {

class SseStream : public QObject
{
    Q_OBJECT
public:
    enum class CloseReason {
        Finished, // finish() (done, logout, expiry, shutdown): graceful end
        ClientGone, // the client disconnected or the socket failed
        SlowConsumer, // output buffer over the limit
    };
    Q_ENUM(CloseReason)

    struct Options
    {
        std::chrono::milliseconds heartbeatInterval { 15000 };
        qint64 maxBufferedBytes = 1 << 20;
        std::chrono::milliseconds retryHint { 2000 };
    };

    using HeaderList = QList<QPair<QByteArray, QByteArray>>;

    // Writes the status line and headers at once.
    SseStream(QHttpServerResponder &&responder, const HeaderList &extraHeaders, Options options,
              QObject *parent = nullptr);
    ~SseStream() override;

    bool isOpen() const { return m_open; }
    // False when the stream is (or just became) closed.
    bool sendEvent(qint64 id, QByteArrayView type, QByteArrayView data);
    bool sendComment(QByteArrayView text);
    // Unsent bytes in the socket (0 when unknown or closed).
    qint64 bufferedBytes() const;
    qint64 maxBufferedBytes() const { return m_options.maxBufferedBytes; }
    QTcpSocket *socket() const { return m_socket; }

    // Graceful end: `finalComment` (if any), the terminating chunk, then close once flushed.
    void finish(QByteArrayView finalComment = {});

Q_SIGNALS:
    // Unsent output dropped to at most half the limit (replay pacing).
    void writable();
    void closed(Sluice::Server::SseStream::CloseReason reason);

private:
    bool writeRaw(const QByteArray &data);
    void close(CloseReason reason);
    void onBytesWritten();

    std::unique_ptr<QHttpServerResponder> m_responder;
    QPointer<QTcpSocket> m_socket;
    bool m_tracksSocket = false; // false on Qt versions without QHttpServerResponder::socket()
    Options m_options;
    QTimer m_heartbeat;
    bool m_open = true;
    bool m_wantWritable = false;
};

} // namespace Sluice::Server
