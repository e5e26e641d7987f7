// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PublishRateLimiter: the per-prompt publish rate limit (--publish-rate events/s, bursts of
// --publish-burst). The event route asks admit(promptId) before it stores a POSTed event; a
// refusal is answered 429 RATE_LIMITED with Retry-After and counted in
// sluice_publish_rate_limited_total. Events of the in-process demo producer are not limited.
//
// Memory is bounded: a bucket that has refilled is the same as no bucket and is dropped by a sweep
// every minute; at `maxTracked` buckets, a full sweep runs (at most once a second) and, when every
// bucket is still busy, an arbitrary one is dropped (its prompt gets a fresh burst: the limit
// loosens for one prompt, memory never grows). In memory only: a restart forgets the buckets.
#pragma once

#include "ops/tokenbucket.h"

#include <QtCore/QHash>
#include <QtCore/QString>

#include <chrono>
#include <optional>

namespace Sluice::Server {

class Metrics;

class PublishRateLimiter
{
public:
    using Clock = TokenBucket::Clock;

    // ratePerSecond 0: no limit (admit() always says yes and tracks nothing).
    PublishRateLimiter(int ratePerSecond, int burst, qsizetype maxTracked = 100000,
                       Metrics *metrics = nullptr);

    // nullopt: go ahead (one event is counted). Otherwise the Retry-After to answer (>= 1 s).
    std::optional<std::chrono::seconds> admit(const QString &promptId,
                                              Clock::time_point now = Clock::now());

    qsizetype trackedPrompts() const { return m_buckets.size(); }

private:
    void sweep(Clock::time_point now);

    int m_rate;
    int m_burst;
    qsizetype m_maxTracked;
    Metrics *m_metrics;
    QHash<QString, TokenBucket> m_buckets;
    Clock::time_point m_lastSweep;
};

} // namespace Sluice::Server
