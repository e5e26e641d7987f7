// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/SseParser.h>

#include "parser/sseparser_p.h"

namespace Sluice {

namespace {

SseParser::Limits sanitized(SseParser::Limits limits)
{
    limits.maxLineBytes = qMax<qsizetype>(1, limits.maxLineBytes);
    limits.maxEventBytes = qMax<qsizetype>(1, limits.maxEventBytes);
    return limits;
}

} // namespace

SseParserPrivate::SseParserPrivate(const SseParser::Limits &limits)
    : limits(sanitized(limits))
{ }

SseParserPrivate::~SseParserPrivate()
{
    if (alive)
        *alive = false; // destroyed by a handler during feed()
}

SseParser::SseParser()
    : SseParser(Limits())
{ }

SseParser::SseParser(const Limits &limits)
    : d(std::make_unique<SseParserPrivate>(limits))
{ }

SseParser::SseParser(SseParser &&other) noexcept = default;
SseParser &SseParser::operator=(SseParser &&other) noexcept = default;
SseParser::~SseParser() = default;

void SseParser::setEventHandler(EventHandler handler)
{
    d->eventHandler = handler ? std::make_shared<const EventHandler>(std::move(handler)) : nullptr;
}

void SseParser::setCommentHandler(CommentHandler handler)
{
    d->commentHandler
        = handler ? std::make_shared<const CommentHandler>(std::move(handler)) : nullptr;
}

void SseParser::setRetryHandler(RetryHandler handler)
{
    d->retryHandler = handler ? std::make_shared<const RetryHandler>(std::move(handler)) : nullptr;
}

SseParser::Limits SseParser::limits() const
{
    return d->limits;
}

void SseParser::setLimits(const Limits &limits)
{
    d->limits = sanitized(limits);
}

SseParser::Status SseParser::feed(QByteArrayView chunk)
{
    return d->feed(chunk);
}

void SseParser::finish()
{
    d->clearStream();
}

void SseParser::reset()
{
    d->clearStream();
    d->status = Status::Ok;
}

SseParser::Status SseParser::status() const
{
    return d->status;
}

QString SseParser::errorString() const
{
    switch (d->status) {
    case Status::Ok:
        break;
    case Status::LineTooLong:
        return QStringLiteral("Event stream line longer than %1 bytes").arg(d->limits.maxLineBytes);
    case Status::EventTooLarge:
        return QStringLiteral("Event stream event data larger than %1 bytes")
            .arg(d->limits.maxEventBytes);
    }
    return {};
}

QString SseParser::lastEventId() const
{
    return d->lastEventId;
}

void SseParser::setLastEventId(const QString &id)
{
    d->lastEventId = id;
    d->lastEventIdBuffer = id;
}

qsizetype SseParser::bufferedBytes() const
{
    return d->lineBuffer.capacity() + d->dataBuffer.capacity() + d->eventTypeBuffer.capacity();
}

} // namespace Sluice
