// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// FileLimits: every connection is a file descriptor. At startup sluice-server raises its soft
// RLIMIT_NOFILE to the hard limit and keeps --max-connections below it, with a reserve for the
// database, logs, the listening socket and Qt's own descriptors; the Listener also stops lingering
// on rejected sockets before they would eat into that reserve.
#pragma once

#include <QtCore/QString>

#include <limits>

namespace Sluice::Server::FileLimits {

inline constexpr quint64 unlimited = std::numeric_limits<quint64>::max();
// Descriptors kept free of connections (database and WAL, log pipes, listening socket, Qt).
inline constexpr int reservedDescriptors = 64;

struct Raise
{
    quint64 before = unlimited; // soft limit found at startup
    quint64 limit = unlimited; // soft limit now
    QString error; // why raising failed (the limit stays `before`)
    bool raised() const { return limit > before; }
};

// Raises the soft limit to the hard limit (to fs.nr_open when the hard limit is unlimited).
Raise raiseToHardLimit();
// The soft limit now (unlimited when unknown).
quint64 openFileLimit();
// `requested`, or what fits into `limit` minus the reserve when that is lower (at least 1).
int clampConnections(int requested, quint64 limit);
// Descriptors connections may use under `limit` (0: no limit).
qint64 descriptorBudget(quint64 limit);

} // namespace Sluice::Server::FileLimits
