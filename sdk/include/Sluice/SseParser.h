// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Event.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QByteArrayView>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringView>

#include <functional>
#include <memory>

namespace Sluice {

class SseParserPrivate;

/// Incremental parser for the text/event-stream format, exactly as WHATWG HTML §9.2
/// "Parsing an event stream" and "Interpreting an event stream" define it.
///
/// Feed it bytes in any chunking; it calls the handlers with identical results whatever the
/// chunk boundaries. It knows nothing of sockets. One parser instance corresponds to one
/// EventSource: call reset() at the start of every new connection (this clears the line and
/// event buffers and the BOM state but keeps the last event ID, as the spec requires).
///
/// Handlers: a handler may call reset(), finish(), setLimits(), setLastEventId(), any setter of
/// a handler (the new handler takes effect from the next call), and it may destroy the parser.
/// After reset(), finish() or destruction from a handler, the rest of the chunk being fed is
/// discarded. A handler must not call feed(): such a nested call is ignored with a warning.
/// A moved-from parser may only be assigned to or destroyed.
///
/// Decoding is the Encoding standard's "UTF-8 decode" whatever the Content-Type charset: one
/// leading BOM of the stream is stripped, invalid sequences become U+FFFD (one per maximal
/// subpart), a U+FEFF anywhere else is kept.
class SLUICE_EXPORT SseParser
{
public:
    /// Default Limits::maxLineBytes(): 16 MiB.
    static constexpr qsizetype DefaultMaxLineBytes = 16 * 1024 * 1024;
    /// Default Limits::maxEventBytes(): 16 MiB.
    static constexpr qsizetype DefaultMaxEventBytes = 16 * 1024 * 1024;
    /// `retry:` values above this are clamped to it (it fits an int, so QTimer can take it).
    static constexpr qint64 MaxRetryMilliseconds = 2147483647;

    class LimitsData;
    /// How large a line and an event may grow. An implicitly shared value class, so that limits
    /// can be added without breaking the ABI. Values below 1 are treated as 1.
    class SLUICE_EXPORT Limits
    {
    public:
        Limits();
        /// Limits of `maxLineBytes` per line and `maxEventBytes` per event.
        Limits(qsizetype maxLineBytes, qsizetype maxEventBytes);
        /// Copies `other`: the data is shared until one of them changes.
        Limits(const Limits &other);
        /// Moves from `other`, which may then only be assigned to or destroyed.
        Limits(Limits &&other) noexcept;
        /// Assigns a copy of `other` (shared until one of them changes).
        Limits &operator=(const Limits &other);
        /// Move-assigns `other`, which may then only be assigned to or destroyed.
        Limits &operator=(Limits &&other) noexcept;
        ~Limits();
        /// Swaps this value with `other`; never fails.
        void swap(Limits &other) noexcept { d.swap(other.d); }

        /// Longest line (field name + value, without its line end) accepted.
        qsizetype maxLineBytes() const;
        /// Sets maxLineBytes().
        void setMaxLineBytes(qsizetype bytes);
        /// Largest event (sum of its data, in bytes) accepted.
        qsizetype maxEventBytes() const;
        /// Sets maxEventBytes().
        void setMaxEventBytes(qsizetype bytes);

        /// True when both hold equal values.
        bool operator==(const Limits &other) const;
        /// The opposite of operator==().
        bool operator!=(const Limits &other) const { return !(*this == other); }

    private:
        QSharedDataPointer<LimitsData> d;
    };

    /// The parser's health: Ok, or the limit the input exceeded (input is then ignored until
    /// reset()).
    enum class Status {
        Ok,
        LineTooLong, ///< a line exceeded Limits::maxLineBytes()
        EventTooLarge, ///< an event's data exceeded Limits::maxEventBytes()
    };

    /// Receives every dispatched event.
    using EventHandler = std::function<void(const Event &event)>;
    /// Receives every comment line, without the leading colon.
    using CommentHandler = std::function<void(QStringView comment)>;
    /// Receives every valid `retry:` value in milliseconds.
    using RetryHandler = std::function<void(qint64 milliseconds)>;

    SseParser();
    /// A parser with the given limits.
    explicit SseParser(const Limits &limits);
    /// Moves from `other`, which may then only be assigned to or destroyed.
    SseParser(SseParser &&other) noexcept;
    /// Move-assigns `other`, which may then only be assigned to or destroyed.
    SseParser &operator=(SseParser &&other) noexcept;
    ~SseParser();
    Q_DISABLE_COPY(SseParser)

    /// Receives every dispatched event.
    void setEventHandler(EventHandler handler);
    /// Called for every comment line (a line starting with ':'), without the leading colon (a
    /// following space is kept: ": ping" gives " ping").
    void setCommentHandler(CommentHandler handler);
    /// Called when a valid `retry:` field (ASCII digits only, at least one) sets the reconnection
    /// time; values above MaxRetryMilliseconds are clamped.
    void setRetryHandler(RetryHandler handler);

    /// The limits in force.
    Limits limits() const;
    /// Sets limits(); takes effect for the following input.
    void setLimits(const Limits &limits);

    /// Parses the next chunk. Handlers may be called several times before this returns.
    /// After a limit is exceeded it returns that status and ignores further input until reset().
    Status feed(QByteArrayView chunk);
    /// End of stream: an incomplete line or event (no blank line yet) is discarded, and so is an
    /// `id:` of that incomplete event; the next feed() starts a new stream (BOM state cleared).
    /// status() is kept.
    void finish();
    /// Start of a new connection: buffers and BOM state cleared, status() back to Ok, last event ID
    /// kept (an `id:` of an event that was never completed is dropped, as browsers do).
    void reset();

    /// True when part of an event is buffered: a partial line, or fields whose blank line has
    /// not arrived. finish() now would discard them (a connection cut in the middle of an event).
    bool hasIncompleteEvent() const;

    /// Ok, or the limit exceeded since the last reset().
    Status status() const;
    /// A one-line description of status(), empty when Ok.
    QString errorString() const;

    /// The spec's "last event ID buffer" as of the last dispatched event or blank line.
    QString lastEventId() const;
    /// Sets lastEventId().
    void setLastEventId(const QString &id);

    /// The origin every dispatched Event carries (Event::origin()), e.g. the stream's URL origin;
    /// empty by default. Lets a client hand the parser's events on as they are, without building
    /// a second Event per event to add it.
    QString origin() const;
    /// Sets origin(); takes effect for the following events.
    void setOrigin(const QString &origin);

    /// Bytes currently allocated for the line and event buffers (diagnostics). Bounded by the
    /// limits: at most about maxLineBytes + maxEventBytes, whatever the input. Between events up
    /// to 2 MiB per buffer is kept for reuse; larger buffers are given back.
    qsizetype bufferedBytes() const;

private:
    std::unique_ptr<SseParserPrivate> d;
};

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::SseParser::Limits)
