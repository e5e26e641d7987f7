// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/filelimits.h"

#include <QtCore/QFile>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/resource.h>

namespace Sluice::Server::FileLimits {

namespace {

quint64 fromRlim(rlim_t value)
{
    return value == RLIM_INFINITY ? unlimited : quint64(value);
}

// The kernel's ceiling for RLIMIT_NOFILE when the hard limit says "unlimited".
rlim_t nrOpen()
{
    QFile file(QStringLiteral("/proc/sys/fs/nr_open"));
    bool ok = false;
    qulonglong value = 0;
    if (file.open(QIODevice::ReadOnly))
        value = file.readAll().trimmed().toULongLong(&ok);
    return ok && value > 0 ? rlim_t(value) : rlim_t(1024 * 1024);
}

} // namespace

Raise raiseToHardLimit()
{
    Raise result;
    rlimit current {};
    if (::getrlimit(RLIMIT_NOFILE, &current) != 0) {
        result.error = QString::fromLocal8Bit(std::strerror(errno));
        return result;
    }
    result.before = result.limit = fromRlim(current.rlim_cur);
    if (current.rlim_cur == current.rlim_max)
        return result;
    rlimit raised = current;
    raised.rlim_cur = current.rlim_max == RLIM_INFINITY ? nrOpen() : current.rlim_max;
    if (current.rlim_cur != RLIM_INFINITY && raised.rlim_cur <= current.rlim_cur)
        return result;
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
        result.error = QString::fromLocal8Bit(std::strerror(errno));
        return result;
    }
    result.limit = fromRlim(raised.rlim_cur);
    return result;
}

quint64 openFileLimit()
{
    rlimit current {};
    if (::getrlimit(RLIMIT_NOFILE, &current) != 0)
        return unlimited;
    return fromRlim(current.rlim_cur);
}

qint64 descriptorBudget(quint64 limit)
{
    if (limit == unlimited || limit > quint64(std::numeric_limits<qint64>::max()))
        return 0;
    return std::max<qint64>(1, qint64(limit) - reservedDescriptors);
}

int clampConnections(int requested, quint64 limit)
{
    const qint64 budget = descriptorBudget(limit);
    if (budget == 0)
        return requested;
    return int(std::min<qint64>(requested, budget));
}

} // namespace Sluice::Server::FileLimits
