// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// TokenBucket: a rate limit that allows bursts. It holds up to `burst` tokens and gains `rate`
// per second; every admitted action spends one. A plain value (no clock of its own, no timer):
// the caller passes the time, which keeps it cheap to hold one per key and easy to test.
#pragma once

#include <chrono>
#include <optional>

namespace Sluice::Server {

class TokenBucket
{
public:
    using Clock = std::chrono::steady_clock;

    TokenBucket() = default;
    // Starts full. rate > 0, burst >= 1.
    TokenBucket(double ratePerSecond, double burst, Clock::time_point now);

    // Spends one token; when none is left, nothing is spent and the answer is how long until one
    // is (at least 1 ms).
    std::optional<std::chrono::milliseconds> take(Clock::time_point now);
    // Refilled to `burst` by `now`: indistinguishable from a new bucket, so it can be dropped.
    bool isFull(Clock::time_point now) const;

private:
    double tokensAt(Clock::time_point now) const;

    double m_rate = 1;
    double m_burst = 1;
    double m_tokens = 1;
    Clock::time_point m_updated;
};

} // namespace Sluice::Server
