// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Signing keys: loaded from configured files or the environment, or (dev mode only) generated once
// into the data directory with 0600 permissions. Key bytes are never logged.
#pragma once

#include "config/serverconfig.h"

#include <QtCore/QString>

namespace Sluice::Server {

// Creates the data directory (0700) when missing.
bool ensureDataDir(const QString &dataDir, QString *error);

// Fills config.accessKey / config.streamKey. `accessKeyEnv`/`streamKeyEnv` are secrets given
// directly in the environment (may be empty). On failure returns false with one secret-free line
// in *error.
bool loadOrCreateKeys(ServerConfig &config, const QString &accessKeyEnv,
                      const QString &streamKeyEnv, QString *error);

constexpr qsizetype minimumKeyBytes = 32;

} // namespace Sluice::Server
