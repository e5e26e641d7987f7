// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>

namespace Sluice::LoadGen {

// A process's CPU time and resident memory from /proc, for the server under load.
struct ProcSample
{
    std::int64_t atNs = 0; // CLOCK_MONOTONIC
    double cpuSeconds = 0; // user + system
    std::int64_t rssKiB = 0;
};

std::optional<ProcSample> sampleProcess(int pid);

// CPU use between two samples in percent of one core (200 % = both cores of this machine).
double cpuPercent(const ProcSample &from, const ProcSample &to);

} // namespace Sluice::LoadGen
