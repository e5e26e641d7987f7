// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// WHATWG HTML §9.2.6 "Parsing an event stream": the byte stream is split into lines at CRLF,
// LF or CR, whatever the chunk boundaries, after one leading BOM is dropped. Lines that lie
// wholly inside a chunk are handed on in place; only the partial tail of a chunk is copied.
#include "core/logging_p.h"
#include "parser/sseparser_p.h"

#include <cstring>

namespace Sluice {

namespace {

constexpr char Bom[] = "\xEF\xBB\xBF";
constexpr qsizetype BomSize = 3;

// Position of the next `c` in [from, end), or end.
const char *findByte(const char *from, const char *end, char c)
{
    const void *hit = std::memchr(from, c, size_t(end - from));
    return hit ? static_cast<const char *>(hit) : end;
}

} // namespace

void SseParserPrivate::clearStream()
{
    releaseBuffer(lineBuffer);
    lineBuffer.resize(0);
    releaseBuffer(dataBuffer);
    dataBuffer.resize(0);
    pendingData = {};
    hasPendingData = false;
    releaseBuffer(eventTypeBuffer);
    eventTypeBuffer.resize(0);
    typeIsCached = false;
    bomChecked = false;
    skipNextLf = false;
    // An `id:` of an event that never completed does not survive the stream (the committed
    // last event ID string does).
    pendingId = QString();
    hasPendingId = false;
    ++epoch;
}

SseParser::Status SseParserPrivate::feed(QByteArrayView chunk)
{
    if (status != SseParser::Status::Ok || chunk.isEmpty())
        return status;
    if (feeding) {
        qCWarning(lcParser, "SseParser::feed() called from a handler; chunk ignored");
        return status;
    }

    const char *p = chunk.data();
    const char *const end = p + chunk.size();

    if (!bomChecked) {
        // lineBuffer holds the bytes seen so far; all of them are a prefix of the BOM.
        while (p < end) {
            if (*p != Bom[lineBuffer.size()]) {
                bomChecked = true; // not a BOM: the bytes kept are the start of the first line
                break;
            }
            lineBuffer.append(*p++);
            if (lineBuffer.size() == BomSize) {
                lineBuffer.resize(0);
                bomChecked = true;
                break;
            }
        }
        if (!bomChecked)
            return status;
    }

    if (skipNextLf && p < end) {
        skipNextLf = false;
        if (*p == '\n')
            ++p;
    }

    FeedState state;
    feedState = &state;
    feeding = true;
    const auto stop = [&]() {
        // `this` may be gone (a handler destroyed the parser): touch it only when alive.
        if (!state.alive)
            return SseParser::Status::Ok;
        settlePendingData(); // the chunk it points into is the caller's
        feeding = false;
        feedState = nullptr;
        return status;
    };

    // The next CR and LF at or after p; `end` when there is none. Each memchr runs once per
    // line end of its kind, so the chunk is scanned in linear time.
    const char *nextCr = findByte(p, end, '\r');
    const char *nextLf = findByte(p, end, '\n');
    while (p < end) {
        if (nextCr < p)
            nextCr = findByte(p, end, '\r');
        if (nextLf < p)
            nextLf = findByte(p, end, '\n');
        const char *const eol = nextCr < nextLf ? nextCr : nextLf;

        if (eol == end) {
            // Partial line: keep it for the next chunk, within the limit.
            if (lineBuffer.size() + (end - p) > limits.maxLineBytes) {
                fail(SseParser::Status::LineTooLong);
                return stop();
            }
            appendBounded(lineBuffer, QByteArrayView(p, end - p), limits.maxLineBytes);
            break;
        }

        bool goOn;
        if (lineBuffer.isEmpty()) {
            if (eol - p > limits.maxLineBytes) {
                fail(SseParser::Status::LineTooLong);
                return stop();
            }
            goOn = processLine(QByteArrayView(p, eol - p), true);
        } else {
            if (lineBuffer.size() + (eol - p) > limits.maxLineBytes) {
                fail(SseParser::Status::LineTooLong);
                return stop();
            }
            appendBounded(lineBuffer, QByteArrayView(p, eol - p), limits.maxLineBytes);
            goOn = processLine(lineBuffer, false);
            if (goOn) {
                releaseBuffer(lineBuffer);
                lineBuffer.resize(0);
            }
        }
        if (!goOn)
            return stop();

        p = eol + 1;
        if (*eol == '\r') {
            if (p < end) {
                if (*p == '\n')
                    ++p;
            } else {
                skipNextLf = true;
            }
        }
    }
    return stop();
}

void SseParserPrivate::appendBounded(QByteArray &buffer, QByteArrayView bytes, qsizetype limit)
{
    if (bytes.size() > buffer.data_ptr().freeSpaceAtEnd()) {
        // Grow geometrically for amortised O(1) appends, but never past the limit.
        const qsizetype needed = buffer.size() + bytes.size();
        const qsizetype grown = qMax(needed, qMax<qsizetype>(buffer.capacity() * 2, 256));
        buffer.reserve(qMax(needed, qMin(grown, limit)));
    }
    buffer.append(bytes);
}

void SseParserPrivate::releaseBuffer(QByteArray &buffer)
{
    // Kept for reuse up to this size: reallocating (and page-faulting) megabyte buffers for
    // every large event costs more than parsing them.
    constexpr qsizetype KeepCapacity = 2 * 1024 * 1024;
    if (buffer.capacity() > KeepCapacity)
        buffer = QByteArray();
}

void SseParserPrivate::fail(SseParser::Status newStatus)
{
    status = newStatus;
    if (newStatus == SseParser::Status::LineTooLong)
        qCWarning(lcParser, "line longer than %lld bytes; ignoring the stream until reset()",
                  qlonglong(limits.maxLineBytes));
    else
        qCWarning(lcParser, "event larger than %lld bytes; ignoring the stream until reset()",
                  qlonglong(limits.maxEventBytes));
    lineBuffer = QByteArray();
    dataBuffer = QByteArray();
    pendingData = {};
    hasPendingData = false;
    eventTypeBuffer = QByteArray();
    typeIsCached = false;
    skipNextLf = false;
}

} // namespace Sluice
