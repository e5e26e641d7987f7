// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "procstats.h"

#include "eventloop.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace Sluice::LoadGen {

std::optional<ProcSample> sampleProcess(int pid)
{
    if (pid <= 0)
        return std::nullopt;
    ProcSample sample;
    sample.atNs = monotonicNs();
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return std::nullopt;
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) { // field 3 is the state
        if (i == 14)
            utime = std::stoull(field);
        else if (i == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    sample.cpuSeconds = double(utime + stime) / double(sysconf(_SC_CLK_TCK));
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            sample.rssKiB = std::stoll(line.substr(6));
            break;
        }
    }
    return sample;
}

double cpuPercent(const ProcSample &from, const ProcSample &to)
{
    const double wall = double(to.atNs - from.atNs) / 1e9;
    return wall > 0 ? 100.0 * (to.cpuSeconds - from.cpuSeconds) / wall : 0.0;
}

} // namespace Sluice::LoadGen
