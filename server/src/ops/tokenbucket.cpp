// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "ops/tokenbucket.h"

#include <algorithm>
#include <cmath>

namespace Sluice::Server {

TokenBucket::TokenBucket(double ratePerSecond, double burst, Clock::time_point now)
    : m_rate(std::max(ratePerSecond, 1e-9))
    , m_burst(std::max(burst, 1.0))
    , m_tokens(m_burst)
    , m_updated(now)
{ }

double TokenBucket::tokensAt(Clock::time_point now) const
{
    // A clock that steps back (it should not: steady) must not mint tokens.
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - m_updated).count());
    return std::min(m_burst, m_tokens + elapsed * m_rate);
}

std::optional<std::chrono::milliseconds> TokenBucket::take(Clock::time_point now)
{
    m_tokens = tokensAt(now);
    m_updated = std::max(m_updated, now);
    if (m_tokens >= 1) {
        m_tokens -= 1;
        return std::nullopt;
    }
    const double wait = (1 - m_tokens) / m_rate;
    return std::chrono::milliseconds(
        std::max<long long>(1, static_cast<long long>(std::ceil(wait * 1000))));
}

bool TokenBucket::isFull(Clock::time_point now) const
{
    return tokensAt(now) >= m_burst;
}

} // namespace Sluice::Server
