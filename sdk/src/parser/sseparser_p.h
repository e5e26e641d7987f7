// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/SseParser.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <memory>
#include <vector>

namespace Sluice {

// State of one event stream. The work is split along the spec's two sections:
// streamscanner.cpp ("Parsing an event stream": BOM, line ends, partial lines, line limit) and
// fieldinterpreter.cpp ("Interpreting an event stream": fields, buffers, dispatch).
class SseParserPrivate
{
public:
    explicit SseParserPrivate(const SseParser::Limits &limits);
    ~SseParserPrivate();
    Q_DISABLE_COPY_MOVE(SseParserPrivate)

    // streamscanner.cpp
    SseParser::Status feed(QByteArrayView chunk);
    // Clears everything that belongs to one stream (not the status, not the committed ID).
    void clearStream();

    // fieldinterpreter.cpp. Each returns false when a handler interrupted the feed (reset(),
    // finish() or destruction of the parser) or a limit was exceeded: stop touching the chunk.
    // `inChunk`: the line lies in the chunk being fed (not in lineBuffer).
    bool processLine(QByteArrayView line, bool inChunk);
    bool dispatch();
    bool appendData(QByteArrayView value, bool inChunk);
    // Copies pendingData into dataBuffer: before the chunk it points into goes away, or when a
    // second data line arrives.
    void settlePendingData();
    bool setRetry(QByteArrayView value);
    bool emitComment(QByteArrayView text);

    void fail(SseParser::Status status);
    // Appends to a buffer that never allocates beyond `limit` bytes (callers check the limit).
    static void appendBounded(QByteArray &buffer, QByteArrayView bytes, qsizetype limit);
    // Gives memory back after an unusually large line or event.
    static void releaseBuffer(QByteArray &buffer);

    // The limits as plain numbers: the scanner checks them for every line.
    struct EffectiveLimits
    {
        qsizetype maxLineBytes = SseParser::DefaultMaxLineBytes;
        qsizetype maxEventBytes = SseParser::DefaultMaxEventBytes;
    } limits;
    SseParser::Status status = SseParser::Status::Ok;

    std::shared_ptr<const SseParser::EventHandler> eventHandler;
    std::shared_ptr<const SseParser::CommentHandler> commentHandler;
    std::shared_ptr<const SseParser::RetryHandler> retryHandler;

    // Parsing state.
    QByteArray lineBuffer; // the partial line at the end of the last chunk
    bool bomChecked = false; // false while the first bytes may still be a BOM (kept in lineBuffer)
    bool skipNextLf = false; // the last chunk ended with CR: a leading LF finishes that line end

    // Interpretation state.
    QByteArray dataBuffer; // UTF-8, every data line followed by LF
    // The common event has one data line, wholly inside the chunk being fed: it is decoded from
    // there at dispatch, never copied into dataBuffer (which is then empty).
    QByteArrayView pendingData;
    bool hasPendingData = false;
    QByteArray eventTypeBuffer;
    // The `event:` value equals cachedTypeBytes (eventTypeBuffer is then empty).
    bool typeIsCached = false;
    // The spec's "last event ID buffer" is lastEventId, or pendingId while hasPendingId (an `id:`
    // since the last blank line): swapped, not copied, into lastEventId at the blank line; the
    // previous ID's buffer left in pendingId is reused for the next `id:` once unshared.
    QString pendingId;
    bool hasPendingId = false;
    // The "last event ID string", committed at each blank line: after an event was dispatched,
    // in that event's data (idInEvent), not in a second reference to count per event.
    QString lastEventId; // while !idInEvent
    bool idInEvent = false;
    const QString &committedId() const;
    QString origin; // carried by every dispatched Event

    // Decoded event types are reused while the bytes repeat (most streams use a handful).
    QByteArray cachedTypeBytes;
    QString cachedType;
    const QString defaultType = QStringLiteral("message");

    // The last dispatched event, refilled in place for the next one when no copy of it was kept
    // (only while its data buffer is at most RecycledDataCapacity characters).
    Event recycledEvent;
    const Event *dispatching = nullptr; // the event a handler is receiving (recycledEvent is not)
    static constexpr qsizetype RecycledDataCapacity = 64 * 1024;

    // Re-entrancy: handlers may call reset()/finish() (bumps epoch), replace a handler or destroy
    // the parser. A handler is called in place (no reference counting per call): one replaced or
    // destroyed during feed() is kept alive in the FeedState, on feed()'s stack, until it returns.
    struct FeedState
    {
        bool alive = true;
        std::vector<std::shared_ptr<const void>> retiredHandlers;
    };
    quint64 epoch = 0;
    bool feeding = false;
    FeedState *feedState = nullptr;
    // Keeps `handler` alive until the running feed() returns, if any.
    void retire(std::shared_ptr<const void> handler);
};

} // namespace Sluice
