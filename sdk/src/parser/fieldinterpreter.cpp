// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// WHATWG HTML §9.2.6 "Interpreting an event stream": each line is a blank line (dispatch), a
// comment, or a field; `event`, `data`, `id` and `retry` fill the buffers, anything else is
// ignored. Field names are compared as bytes (equal to comparing the decoded text, since the
// names are ASCII and U+FFFD never decodes to ASCII); values are decoded once, when used.
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

bool SseParserPrivate::processLine(QByteArrayView line)
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
        return appendData(value);
    if (isField(name, "event")) {
        eventTypeBuffer.resize(0);
        eventTypeBuffer.append(value);
        return true;
    }
    if (isField(name, "id")) {
        if (value.isEmpty() || !std::memchr(value.data(), '\0', size_t(value.size())))
            lastEventIdBuffer = decodeUtf8(value);
        return true;
    }
    if (isField(name, "retry"))
        return setRetry(value);
    return true; // unknown field: ignored
}

bool SseParserPrivate::appendData(QByteArrayView value)
{
    // The event's data is the buffer without its final LF.
    if (dataBuffer.size() + value.size() > limits.maxEventBytes) {
        fail(SseParser::Status::EventTooLarge);
        return false;
    }
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

    const auto handler = retryHandler;
    if (!handler)
        return true;
    bool *const stillAlive = alive;
    const quint64 before = epoch;
    (*handler)(milliseconds);
    return *stillAlive && epoch == before;
}

bool SseParserPrivate::emitComment(QByteArrayView text)
{
    const auto handler = commentHandler;
    if (!handler)
        return true;
    const QString comment = decodeUtf8(text);
    bool *const stillAlive = alive;
    const quint64 before = epoch;
    (*handler)(comment);
    return *stillAlive && epoch == before;
}

bool SseParserPrivate::dispatch()
{
    lastEventId = lastEventIdBuffer;
    if (dataBuffer.isEmpty()) {
        eventTypeBuffer.resize(0);
        return true;
    }

    QString type;
    if (eventTypeBuffer.isEmpty()) {
        type = defaultType;
    } else {
        constexpr qsizetype MaxCachedTypeBytes = 256;
        if (eventTypeBuffer == cachedTypeBytes) {
            type = cachedType;
        } else {
            type = decodeUtf8(eventTypeBuffer);
            if (eventTypeBuffer.size() <= MaxCachedTypeBytes) {
                cachedTypeBytes.resize(0);
                cachedTypeBytes.append(QByteArrayView(eventTypeBuffer));
                cachedType = type;
            }
        }
    }
    const Event event(type, decodeUtf8(QByteArrayView(dataBuffer).chopped(1)), lastEventId, origin);
    releaseBuffer(dataBuffer);
    dataBuffer.resize(0);
    releaseBuffer(eventTypeBuffer);
    eventTypeBuffer.resize(0);

    const auto handler = eventHandler;
    if (!handler)
        return true;
    bool *const stillAlive = alive;
    const quint64 before = epoch;
    (*handler)(event);
    return *stillAlive && epoch == before;
}

} // namespace Sluice
