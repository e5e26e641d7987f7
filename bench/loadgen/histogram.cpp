// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace Sluice::LoadGen {

int Histogram::indexOf(std::uint64_t value)
{
    if (value < std::uint64_t(subCount))
        return int(value);
    // Values with their top bit at position p (>= subBits) share a group of subCount buckets,
    // each 2^(p - subBits + 1) wide.
    const int top = 63 - std::countl_zero(value);
    const int shift = top - subBits + 1;
    const int group = shift; // 1 for [128, 256), 2 for [256, 512), ...
    const int sub = int((value >> shift) & (subCount / 2 - 1)) + subCount / 2;
    return group * (subCount / 2) + sub;
}

std::uint64_t Histogram::upperBound(int index)
{
    if (index < subCount)
        return std::uint64_t(index);
    const int group = index / (subCount / 2) - 1;
    const int sub = index % (subCount / 2) + subCount / 2;
    const int shift = group;
    return ((std::uint64_t(sub) + 1) << shift) - 1;
}

void Histogram::record(std::int64_t valueNs)
{
    const std::uint64_t value = std::uint64_t(std::max<std::int64_t>(0, valueNs));
    const int index = std::min(indexOf(value), bucketCount - 1);
    ++m_buckets[std::size_t(index)];
    ++m_count;
    m_max = std::max(m_max, std::int64_t(value));
}

void Histogram::merge(const Histogram &other)
{
    for (std::size_t i = 0; i < m_buckets.size(); ++i)
        m_buckets[i] += other.m_buckets[i];
    m_count += other.m_count;
    m_max = std::max(m_max, other.m_max);
}

std::int64_t Histogram::percentile(double percent) const
{
    if (m_count == 0)
        return 0;
    const auto rank = std::uint64_t(std::ceil(percent / 100.0 * double(m_count)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < m_buckets.size(); ++i) {
        seen += m_buckets[i];
        if (seen >= std::max<std::uint64_t>(rank, 1))
            return std::min<std::int64_t>(std::int64_t(upperBound(int(i))), m_max);
    }
    return m_max;
}

} // namespace Sluice::LoadGen
