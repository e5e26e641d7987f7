// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Event.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QByteArrayView>
#include <QtCore/QString>
#include <QtCore/QStringView>

#include <functional>
#include <memory>

namespace Sluice {

class SseParserPrivate;

// Incremental parser for the text/event-stream format, exactly as WHATWG HTML §9.2
// "Parsing an event stream" and "Interpreting an event stream" define it.
//
// Feed it bytes in any chunking; it calls the handlers with identical results whatever the
// chunk boundaries. It knows nothing of sockets. One parser instance corresponds to one
// EventSource: call reset() at the start of every new connection (this clears the line and
// event buffers and the BOM state but keeps the last event ID, as the spec requires).
class SLUICE_EXPORT SseParser
{
public:
    static constexpr qsizetype DefaultMaxLineBytes = 16 * 1024 * 1024;
    static constexpr qsizetype DefaultMaxEventBytes = 16 * 1024 * 1024;

    struct Limits
    {
        // Longest line (field name + value, without its line end) accepted.
        qsizetype maxLineBytes = DefaultMaxLineBytes;
        // Largest event (sum of its data, in bytes) accepted.
        qsizetype maxEventBytes = DefaultMaxEventBytes;
    };

    enum class Status {
        Ok,
        LineTooLong,   // a line exceeded Limits::maxLineBytes
        EventTooLarge, // an event's data exceeded Limits::maxEventBytes
    };

    using EventHandler = std::function<void(const Event &event)>;
    using CommentHandler = std::function<void(QStringView comment)>;
    using RetryHandler = std::function<void(qint64 milliseconds)>;

    SseParser();
    explicit SseParser(const Limits &limits);
    SseParser(SseParser &&other) noexcept;
    SseParser &operator=(SseParser &&other) noexcept;
    ~SseParser();
    Q_DISABLE_COPY(SseParser)

    void setEventHandler(EventHandler handler);
    // Called for every comment line (a line starting with ':'), without the leading colon.
    void setCommentHandler(CommentHandler handler);
    // Called when a valid `retry:` field sets the reconnection time.
    void setRetryHandler(RetryHandler handler);

    Limits limits() const;
    void setLimits(const Limits &limits);

    // Parses the next chunk. Handlers may be called several times before this returns.
    // After a limit is exceeded it returns that status and ignores further input until reset().
    Status feed(QByteArrayView chunk);
    // End of stream: an incomplete event (no blank line yet) is discarded.
    void finish();
    // Start of a new connection: buffers and BOM state cleared, last event ID kept.
    void reset();

    Status status() const;
    // A one-line description of status(), empty when Ok.
    QString errorString() const;

    // The spec's "last event ID buffer" as of the last dispatched event or blank line.
    QString lastEventId() const;
    void setLastEventId(const QString &id);

private:
    std::unique_ptr<SseParserPrivate> d;
};

} // namespace Sluice
