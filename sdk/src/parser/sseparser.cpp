// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/SseParser.h>

#include "core/event_p.h"
#include "parser/sseparser_p.h"

namespace Sluice {

class SseParser::LimitsData : public QSharedData
{
public:
    qsizetype maxLineBytes = SseParser::DefaultMaxLineBytes;
    qsizetype maxEventBytes = SseParser::DefaultMaxEventBytes;
};

SseParser::Limits::Limits()
    : d(new LimitsData)
{ }

SseParser::Limits::Limits(qsizetype maxLineBytes, qsizetype maxEventBytes)
    : Limits()
{
    setMaxLineBytes(maxLineBytes);
    setMaxEventBytes(maxEventBytes);
}

SseParser::Limits::Limits(const Limits &other) = default;
SseParser::Limits::Limits(Limits &&other) noexcept = default;
SseParser::Limits &SseParser::Limits::operator=(const Limits &other) = default;
SseParser::Limits &SseParser::Limits::operator=(Limits &&other) noexcept = default;
SseParser::Limits::~Limits() = default;

qsizetype SseParser::Limits::maxLineBytes() const
{
    return d->maxLineBytes;
}

void SseParser::Limits::setMaxLineBytes(qsizetype bytes)
{
    d->maxLineBytes = qMax<qsizetype>(1, bytes);
}

qsizetype SseParser::Limits::maxEventBytes() const
{
    return d->maxEventBytes;
}

void SseParser::Limits::setMaxEventBytes(qsizetype bytes)
{
    d->maxEventBytes = qMax<qsizetype>(1, bytes);
}

bool SseParser::Limits::operator==(const Limits &other) const
{
    return d == other.d
        || (d->maxLineBytes == other.d->maxLineBytes && d->maxEventBytes == other.d->maxEventBytes);
}

SseParserPrivate::SseParserPrivate(const SseParser::Limits &limits)
    : limits { limits.maxLineBytes(), limits.maxEventBytes() }
{ }

SseParserPrivate::~SseParserPrivate()
{
    if (feedState) {
        // Destroyed by a handler during feed(): the handlers outlive their running call.
        feedState->alive = false;
        retire(std::move(eventHandler));
        retire(std::move(commentHandler));
        retire(std::move(retryHandler));
    }
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

void SseParserPrivate::retire(std::shared_ptr<const void> handler)
{
    if (feedState && handler)
        feedState->retiredHandlers.push_back(std::move(handler));
}

void SseParser::setEventHandler(EventHandler handler)
{
    d->retire(std::move(d->eventHandler));
    d->eventHandler = handler ? std::make_shared<const EventHandler>(std::move(handler)) : nullptr;
}

void SseParser::setCommentHandler(CommentHandler handler)
{
    d->retire(std::move(d->commentHandler));
    d->commentHandler
        = handler ? std::make_shared<const CommentHandler>(std::move(handler)) : nullptr;
}

void SseParser::setRetryHandler(RetryHandler handler)
{
    d->retire(std::move(d->retryHandler));
    d->retryHandler = handler ? std::make_shared<const RetryHandler>(std::move(handler)) : nullptr;
}

SseParser::Limits SseParser::limits() const
{
    return Limits(d->limits.maxLineBytes, d->limits.maxEventBytes);
}

void SseParser::setLimits(const Limits &limits)
{
    d->limits = { limits.maxLineBytes(), limits.maxEventBytes() };
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

bool SseParser::hasIncompleteEvent() const
{
    return !d->lineBuffer.isEmpty() || !d->dataBuffer.isEmpty() || d->hasPendingData
        || !d->eventTypeBuffer.isEmpty() || d->typeIsCached
        || (d->hasPendingId && d->pendingId != d->committedId());
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

QString SseParser::origin() const
{
    return d->origin;
}

void SseParser::setOrigin(const QString &origin)
{
    d->origin = origin;
}

const QString &SseParserPrivate::committedId() const
{
    if (!idInEvent)
        return lastEventId;
    return EventBuilder::data(dispatching ? *dispatching : recycledEvent).lastEventId;
}

QString SseParser::lastEventId() const
{
    return d->committedId();
}

void SseParser::setLastEventId(const QString &id)
{
    d->lastEventId = id;
    d->idInEvent = false;
    d->pendingId = QString();
    d->hasPendingId = false;
}

qsizetype SseParser::bufferedBytes() const
{
    return d->lineBuffer.capacity() + d->dataBuffer.capacity() + d->eventTypeBuffer.capacity();
}

} // namespace Sluice
