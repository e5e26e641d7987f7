// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/sluice_global.h>

#include <QtCore/QSharedDataPointer>

#include <chrono>
#include <optional>

namespace Sluice {

class RetryPolicyData;

/// How EventSource waits between connection attempts: exponential backoff with jitter,
/// capped, reset once a connection has stayed up long enough. A value type.
///
/// delay(n) for the n-th consecutive failed attempt (n >= 1) is
///     base = min(maxDelay, initialDelay * 2^(n-1))
///     delay = base - random(0, base * jitterRatio)
/// where initialDelay is replaced by the stream's `retry:` value when the server sends one.
class SLUICE_EXPORT RetryPolicy
{
public:
    RetryPolicy();
    /// Copies `other`: the data is shared until one of them changes.
    RetryPolicy(const RetryPolicy &other);
    /// Moves from `other`, which may then only be assigned to or destroyed.
    RetryPolicy(RetryPolicy &&other) noexcept;
    /// Assigns a copy of `other` (shared until one of them changes).
    RetryPolicy &operator=(const RetryPolicy &other);
    /// Move-assigns `other`, which may then only be assigned to or destroyed.
    RetryPolicy &operator=(RetryPolicy &&other) noexcept;
    ~RetryPolicy();
    /// Swaps this value with `other`; never fails.
    void swap(RetryPolicy &other) noexcept { d.swap(other.d); }

    /// Default 1 s.
    std::chrono::milliseconds initialDelay() const;
    /// Sets initialDelay().
    void setInitialDelay(std::chrono::milliseconds delay);
    /// Default 30 s.
    std::chrono::milliseconds maxDelay() const;
    /// Sets maxDelay().
    void setMaxDelay(std::chrono::milliseconds delay);
    /// Fraction of the delay that is randomised away, 0.0 .. 1.0. Default 0.5.
    double jitterRatio() const;
    /// Sets jitterRatio().
    void setJitterRatio(double ratio);
    /// A connection that stayed open this long resets the backoff. Default 60 s.
    std::chrono::milliseconds resetAfter() const;
    /// Sets resetAfter().
    void setResetAfter(std::chrono::milliseconds duration);
    /// Give up after this many consecutive failed attempts. Default: unlimited.
    std::optional<int> maxAttempts() const;
    /// Sets maxAttempts().
    void setMaxAttempts(std::optional<int> attempts);
    /// Give up when retrying has gone on for this long since the last good connection.
    /// Default: unlimited.
    std::optional<std::chrono::milliseconds> maxElapsed() const;
    /// Sets maxElapsed().
    void setMaxElapsed(std::optional<std::chrono::milliseconds> duration);

    /// With EventSource::AuthFailurePolicy::Retry: give up after this many consecutive 401/403
    /// answers (each one asks the owner for fresh credentials first). Default 3, at least 1.
    int maxAuthFailures() const;
    /// Sets maxAuthFailures().
    void setMaxAuthFailures(int failures);

    /// The delay before attempt `attempt` (1-based), with jitter drawn from `random01`
    /// (a value in [0, 1); pass 0.0 for the un-jittered maximum).
    std::chrono::milliseconds delayFor(int attempt, double random01) const;
    /// Same, with initialDelay replaced by `initialOverride` (the stream's `retry:`).
    std::chrono::milliseconds delayFor(int attempt, double random01,
                                       std::chrono::milliseconds initialOverride) const;

    /// True when both hold equal values.
    bool operator==(const RetryPolicy &other) const;
    /// The opposite of operator==().
    bool operator!=(const RetryPolicy &other) const { return !(*this == other); }

private:
    QSharedDataPointer<RetryPolicyData> d;
};

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::RetryPolicy)
