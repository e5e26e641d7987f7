// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "ops/publishratelimiter.h"

#include "metrics/metrics.h"

#include <algorithm>

namespace Sluice::Server {

namespace {
using namespace std::chrono_literals;
constexpr auto sweepInterval = 60s;
constexpr auto sweepAtCapInterval = 1s;
} // namespace

PublishRateLimiter::PublishRateLimiter(int ratePerSecond, int burst, qsizetype maxTracked,
                                       Metrics *metrics)
    : m_rate(std::max(ratePerSecond, 0))
    , m_burst(std::max(burst, 1))
    , m_maxTracked(std::max<qsizetype>(maxTracked, 1))
    , m_metrics(metrics)
    , m_lastSweep(Clock::now())
{ }

std::optional<std::chrono::seconds> PublishRateLimiter::admit(const QString &promptId,
                                                              Clock::time_point now)
{
    if (m_rate == 0)
        return std::nullopt;
    if (now - m_lastSweep >= sweepInterval)
        sweep(now);
    auto it = m_buckets.find(promptId);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= m_maxTracked && now - m_lastSweep >= sweepAtCapInterval)
            sweep(now);
        if (m_buckets.size() >= m_maxTracked)
            m_buckets.erase(m_buckets.begin());
        it = m_buckets.insert(promptId, TokenBucket(m_rate, m_burst, now));
    }
    const auto wait = it->take(now);
    if (!wait)
        return std::nullopt;
    if (m_metrics)
        m_metrics->increment("sluice_publish_rate_limited_total");
    // Retry-After is in whole seconds: round up, so a client that waits it out is admitted.
    return std::max(std::chrono::ceil<std::chrono::seconds>(*wait), std::chrono::seconds(1));
}

void PublishRateLimiter::sweep(Clock::time_point now)
{
    m_lastSweep = now;
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (it->isFull(now))
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

} // namespace Sluice::Server
