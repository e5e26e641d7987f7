// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// WHATWG HTML §9.2.6 "Interpreting an event stream": each line is a blank line (dispatch), a
// comment, or a field; `event`, `data`, `id` and `retry` fill the buffers, anything else is
// ignored. Field names are compared as bytes (equal to comparing the decoded text, since the
// names are ASCII and U+FFFD never decodes to ASCII); values are decoded once, when used.
#include "core/event_p.h"
#include "core/logging_p.h"
#include "parser/sseparser_p.h"
#include "parser/utf8decoder_p.h"

#include <cstring>
#include <limits>

namespace Sluice {

namespace {

bool isField(QByteArrayView name, const char (&literal)[5])
{
    return name.size() == 4 && std::memcmp(name.data(), literal, 4) == 0;
}

bool isField(QByteArrayView name, const char (&literal)[6])
{
    return name.size() == 5 && std::memcmp(name.data(), literal, 5) == 0;
}

bool isField(QByteArrayView name, const char (&literal)[3])
{
    return name.size() == 2 && std::memcmp(name.data(), literal, 2) == 0;
}

} // namespace

bool SseParserPrivate::processLine(QByteArrayView line, bool inChunk)
{
    if (line.isEmpty())
        return dispatch();
    if (line.front() == ':')
        return emitComment(line.sliced(1));

    QByteArrayView name = line;
    QByteArrayView value;
    if (const void *colon = std::memchr(line.data(), ':', size_t(line.size()))) {
        const qsizetype at = static_cast<const char *>(colon) - line.data();
        name = line.first(at);
        value = line.sliced(at + 1);
        if (!value.isEmpty() && value.front() == ' ')
            value = value.sliced(1);
    }

    if (isField(name, "data"))
        return appendData(value, inChunk);
    if (isField(name, "event")) {
        if (!eventTypeBuffer.isEmpty())
            eventTypeBuffer.resize(0);
        // Most streams repeat a handful of types: the repeated one is not copied.
        typeIsCached = !value.isEmpty() && value == QByteArrayView(cachedTypeBytes);
        if (!typeIsCached)
            eventTypeBuffer.append(value);
        return true;
    }
    if (isField(name, "id")) {
        if (value.isEmpty() || !std::memchr(value.data(), '\0', size_t(value.size()))) {
            // pendingId holds the ID before the last committed one: once nothing else shares it
            // (the usual case), the new ID is decoded into its buffer, no allocation.
            constexpr qsizetype MaxReusedIdCapacity = 256;
            if (pendingId.capacity() > MaxReusedIdCapacity)
                pendingId = QString();
            decodeUtf8Into(pendingId, value);
            hasPendingId = true;
        }
        return true;
    }
    if (isField(name, "retry"))
        return setRetry(value);
    return true; // unknown field: ignored
}

bool SseParserPrivate::appendData(QByteArrayView value, bool inChunk)
{
    // The event's data is the buffer without its final LF.
    const qsizetype buffered = hasPendingData ? pendingData.size() + 1 : dataBuffer.size();
    if (buffered + value.size() > limits.maxEventBytes) {
        fail(SseParser::Status::EventTooLarge);
        return false;
    }
    if (inChunk && !hasPendingData && dataBuffer.isEmpty()) {
        pendingData = value; // decoded from the chunk at dispatch, or settled before feed() ends
        hasPendingData = true;
        return true;
    }
    settlePendingData();
    constexpr qsizetype AdoptThreshold = 4096;
    if (dataBuffer.isEmpty() && value.size() >= AdoptThreshold && !lineBuffer.isEmpty()
        && value.data() + value.size() == lineBuffer.constData() + lineBuffer.size()) {
        // A long line assembled from several chunks: adopt the line buffer instead of copying
        // it (Qt drops the "data: " prefix by moving the start of the array, not the bytes).
        const qsizetype prefix = value.data() - lineBuffer.constData();
        dataBuffer.swap(lineBuffer);
        dataBuffer.remove(0, prefix);
        appendBounded(dataBuffer, QByteArrayView("\n", 1), limits.maxEventBytes + 1);
        return true;
    }
    appendBounded(dataBuffer, value, limits.maxEventBytes + 1);
    appendBounded(dataBuffer, QByteArrayView("\n", 1), limits.maxEventBytes + 1);
    return true;
}

void SseParserPrivate::settlePendingData()
{
    if (!hasPendingData)
        return;
    appendBounded(dataBuffer, pendingData, limits.maxEventBytes + 1);
    appendBounded(dataBuffer, QByteArrayView("\n", 1), limits.maxEventBytes + 1);
    pendingData = {};
    hasPendingData = false;
}

bool SseParserPrivate::setRetry(QByteArrayView value)
{
    if (value.isEmpty())
        return true;
    qint64 milliseconds = 0;
    for (const char c : value) {
        if (c < '0' || c > '9')
            return true; // not only ASCII digits: ignored
        if (milliseconds < SseParser::MaxRetryMilliseconds)
            milliseconds = milliseconds * 10 + (c - '0'); // cannot overflow: < 2^31 * 10 + 9
    }
    milliseconds = qMin(milliseconds, SseParser::MaxRetryMilliseconds);

    const SseParser::RetryHandler *const handler = retryHandler.get(); // kept alive by feedState
    if (!handler)
        return true;
    FeedState *const state = feedState;
    const quint64 before = epoch;
    (*handler)(milliseconds);
    return state->alive && epoch == before;
}

bool SseParserPrivate::emitComment(QByteArrayView text)
{
    const SseParser::CommentHandler *const handler
        = commentHandler.get(); // kept alive by feedState
    if (!handler)
        return true;
    const QString comment = decodeUtf8(text);
    FeedState *const state = feedState;
    const quint64 before = epoch;
    (*handler)(comment);
    return state->alive && epoch == before;
}

bool SseParserPrivate::dispatch()
{
    if (!hasPendingData && dataBuffer.isEmpty()) {
        if (hasPendingId) {
            lastEventId.swap(pendingId); // pendingId keeps the previous ID's buffer for reuse
            idInEvent = false;
            hasPendingId = false;
        }
        if (!eventTypeBuffer.isEmpty())
            eventTypeBuffer.resize(0);
        typeIsCached = false;
        return true;
    }

    QString uncachedType;
    const QString *type = &defaultType;
    if (typeIsCached) {
        type = &cachedType;
    } else if (!eventTypeBuffer.isEmpty()) {
        constexpr qsizetype MaxCachedTypeBytes = 256;
        if (eventTypeBuffer == cachedTypeBytes) {
            type = &cachedType;
        } else if (eventTypeBuffer.size() <= MaxCachedTypeBytes) {
            cachedTypeBytes.resize(0);
            cachedTypeBytes.append(QByteArrayView(eventTypeBuffer));
            cachedType = decodeUtf8(eventTypeBuffer);
            if (cachedType == defaultType)
                cachedType = defaultType; // a literal: copies of it need no reference counting
            type = &cachedType;
        } else {
            uncachedType = decodeUtf8(eventTypeBuffer);
            type = &uncachedType;
        }
    }

    // The event handed out last time is refilled when its receivers kept no copy of it (the
    // usual case): no allocation for the event, and none for its data while that fits.
    if (idInEvent && !EventBuilder::isReusable(recycledEvent)) {
        lastEventId = EventBuilder::data(recycledEvent).lastEventId; // a copy was kept: not reused
        idInEvent = false;
    }
    Event event = std::move(recycledEvent);
    EventData &e = EventBuilder::reusableData(event);
    EventBuilder::assignShared(e.type, *type);
    decodeUtf8Into(e.data, hasPendingData ? pendingData : QByteArrayView(dataBuffer).chopped(1));
    if (hasPendingId) {
        e.lastEventId.swap(pendingId); // pendingId keeps the previous ID's buffer for reuse
        hasPendingId = false;
    } else if (!idInEvent) {
        EventBuilder::assignShared(e.lastEventId, lastEventId);
    } // else the reused event holds it already
    if (!idInEvent) {
        lastEventId = QString();
        idInEvent = true;
    }
    EventBuilder::assignShared(e.origin, origin);
    // The event keeps its data until the next one: only while that is small.
    const bool recycle = e.data.capacity() <= RecycledDataCapacity;

    pendingData = {};
    hasPendingData = false;
    if (!dataBuffer.isEmpty()) {
        releaseBuffer(dataBuffer);
        dataBuffer.resize(0);
    }
    if (!eventTypeBuffer.isEmpty()) {
        releaseBuffer(eventTypeBuffer);
        eventTypeBuffer.resize(0);
    }
    typeIsCached = false;

    const SseParser::EventHandler *const handler = eventHandler.get(); // kept alive by feedState
    bool goOn = true;
    if (handler) {
        FeedState *const state = feedState;
        const quint64 before = epoch;
        dispatching = &event;
        (*handler)(event); // `event` is local: it outlives a handler that destroys the parser
        if (!state->alive)
            return false;
        dispatching = nullptr;
        goOn = epoch == before;
    }
    if (recycle) {
        recycledEvent = std::move(event);
    } else if (idInEvent) {
        lastEventId = EventBuilder::data(event).lastEventId;
        idInEvent = false;
    }
    return goOn;
}

} // namespace Sluice
