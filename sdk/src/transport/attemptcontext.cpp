// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/AttemptContext.h>

#include "transport/attemptcontext_p.h"

namespace Sluice {

class AttemptContextData : public QSharedData
{
public:
    int attempt = 1;
    int redirectCount = 0;
    bool crossOrigin = false;
    QUrl url;
    Error cause;
};

AttemptContext::AttemptContext()
    : d(new AttemptContextData)
{ }

AttemptContext::AttemptContext(const AttemptContext &other) = default;
AttemptContext::AttemptContext(AttemptContext &&other) noexcept = default;
AttemptContext &AttemptContext::operator=(const AttemptContext &other) = default;
AttemptContext &AttemptContext::operator=(AttemptContext &&other) noexcept = default;
AttemptContext::~AttemptContext() = default;

int AttemptContext::attempt() const
{
    return d->attempt;
}

int AttemptContext::redirectCount() const
{
    return d->redirectCount;
}

bool AttemptContext::isCrossOrigin() const
{
    return d->crossOrigin;
}

QUrl AttemptContext::url() const
{
    return d->url;
}

Error AttemptContext::cause() const
{
    return d->cause;
}

AttemptContext AttemptContextBuilder::make(int attempt, int redirectCount, bool crossOrigin,
                                           const QUrl &url, const Error &cause)
{
    AttemptContext context;
    context.d->attempt = attempt;
    context.d->redirectCount = redirectCount;
    context.d->crossOrigin = crossOrigin;
    context.d->url = url;
    context.d->cause = cause;
    return context;
}

} // namespace Sluice
