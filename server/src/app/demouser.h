// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// --demo: makes sure the user "demo" exists with a fresh random password (reset at every --demo
// start, so the printed credentials always work) and returns the password to print once.
#pragma once

#include "auth/passwordhasher.h"

#include <QtCore/QString>

#include <optional>

namespace Sluice::Server {

class Store;

inline constexpr char demoUserName[] = "demo";

// The password is hashed with `parameters` (the server's --scrypt-log-n).
std::optional<QString> ensureDemoUser(Store &store, const ScryptParameters &parameters,
                                      QString *error);

} // namespace Sluice::Server
