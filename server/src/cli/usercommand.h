// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// `sluice-server user add|list|passwd|remove ...`: account management on the data directory.
#pragma once

#include <QtCore/QStringList>

namespace Sluice::Server {

// args are the arguments after "user" (e.g. {"add", "alice", "--data-dir", "/var/lib/sluice"}).
// Returns the process exit code. main.cpp dispatches argv[1] == "user" here, before starting the
// HTTP server (a QCoreApplication must exist).
int runUserCommand(QStringList args);

} // namespace Sluice::Server
