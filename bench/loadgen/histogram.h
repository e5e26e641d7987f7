// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>

namespace Sluice::LoadGen {

// Latencies in nanoseconds in log-linear buckets (HDR-style: 128 linear sub-buckets per power
// of two, under 1 % relative error), so millions of deliveries cost a few KiB and percentiles
// come out of one pass.
class Histogram
{
public:
    void record(std::int64_t valueNs);
    void merge(const Histogram &other);

    std::uint64_t count() const { return m_count; }
    std::int64_t max() const { return m_max; }
    // The smallest recorded value v such that `percent` % of the values are <= v (up to the
    // bucket's precision); 0 when empty.
    std::int64_t percentile(double percent) const;

private:
    static constexpr int subBits = 7;
    static constexpr int subCount = 1 << subBits;
    static constexpr int bucketCount = (64 - subBits + 1) * subCount;

    static int indexOf(std::uint64_t value);
    static std::uint64_t upperBound(int index);

    std::array<std::uint64_t, bucketCount> m_buckets {};
    std::uint64_t m_count = 0;
    std::int64_t m_max = 0;
};

} // namespace Sluice::LoadGen
