// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/RetryPolicy.h>

#include <QtCore/QSharedData>

#include <algorithm>
#include <cmath>

namespace Sluice {

using std::chrono::milliseconds;

class RetryPolicyData : public QSharedData
{
public:
    milliseconds initialDelay { 1000 };
    milliseconds maxDelay { 30000 };
    double jitterRatio = 0.5;
    milliseconds resetAfter { 60000 };
    std::optional<int> maxAttempts;
    std::optional<milliseconds> maxElapsed;
    int maxAuthFailures = 3;
};

namespace {

milliseconds nonNegative(milliseconds value)
{
    return std::max(value, milliseconds::zero());
}

} // namespace

RetryPolicy::RetryPolicy()
    : d(new RetryPolicyData)
{ }

RetryPolicy::RetryPolicy(const RetryPolicy &other) = default;
RetryPolicy::RetryPolicy(RetryPolicy &&other) noexcept = default;
RetryPolicy &RetryPolicy::operator=(const RetryPolicy &other) = default;
RetryPolicy &RetryPolicy::operator=(RetryPolicy &&other) noexcept = default;
RetryPolicy::~RetryPolicy() = default;

milliseconds RetryPolicy::initialDelay() const
{
    return d->initialDelay;
}

void RetryPolicy::setInitialDelay(milliseconds delay)
{
    d->initialDelay = nonNegative(delay);
}

milliseconds RetryPolicy::maxDelay() const
{
    return d->maxDelay;
}

void RetryPolicy::setMaxDelay(milliseconds delay)
{
    d->maxDelay = nonNegative(delay);
}

double RetryPolicy::jitterRatio() const
{
    return d->jitterRatio;
}

void RetryPolicy::setJitterRatio(double ratio)
{
    d->jitterRatio = std::isnan(ratio) ? 0.0 : std::clamp(ratio, 0.0, 1.0);
}

milliseconds RetryPolicy::resetAfter() const
{
    return d->resetAfter;
}

void RetryPolicy::setResetAfter(milliseconds duration)
{
    d->resetAfter = nonNegative(duration);
}

std::optional<int> RetryPolicy::maxAttempts() const
{
    return d->maxAttempts;
}

void RetryPolicy::setMaxAttempts(std::optional<int> attempts)
{
    if (attempts)
        attempts = std::max(*attempts, 1);
    d->maxAttempts = attempts;
}

std::optional<milliseconds> RetryPolicy::maxElapsed() const
{
    return d->maxElapsed;
}

void RetryPolicy::setMaxElapsed(std::optional<milliseconds> duration)
{
    if (duration)
        duration = nonNegative(*duration);
    d->maxElapsed = duration;
}

int RetryPolicy::maxAuthFailures() const
{
    return d->maxAuthFailures;
}

void RetryPolicy::setMaxAuthFailures(int failures)
{
    d->maxAuthFailures = std::max(failures, 1);
}

bool RetryPolicy::operator==(const RetryPolicy &other) const
{
    return d == other.d
        || (d->initialDelay == other.d->initialDelay && d->maxDelay == other.d->maxDelay
            && d->jitterRatio == other.d->jitterRatio && d->resetAfter == other.d->resetAfter
            && d->maxAttempts == other.d->maxAttempts && d->maxElapsed == other.d->maxElapsed
            && d->maxAuthFailures == other.d->maxAuthFailures);
}

milliseconds RetryPolicy::delayFor(int attempt, double random01) const
{
    return delayFor(attempt, random01, d->initialDelay);
}

milliseconds RetryPolicy::delayFor(int attempt, double random01, milliseconds initialOverride) const
{
    // Computed in double: 2^(n-1) overflows any integer long before it matters, and the
    // result is capped by maxDelay anyway.
    const double maxMs = double(d->maxDelay.count());
    const double initialMs = double(nonNegative(initialOverride).count());
    const int exponent = std::clamp(attempt, 1, 1024) - 1;
    const double base = std::min(maxMs, initialMs * std::exp2(double(exponent)));
    const double r = std::isnan(random01) ? 0.0 : std::clamp(random01, 0.0, 1.0);
    const double delay = base - r * base * d->jitterRatio;
    return milliseconds(std::llround(std::clamp(delay, 0.0, maxMs)));
}

} // namespace Sluice
