// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// --demo: makes sure the user "demo" exists with a fresh random password (reset at every --demo
// start, so the printed credentials always work) and returns the password to print once.
#pragma once

#include <QtCore/QString>

#include <optional>

namespace Sluice::Server {

class Store;

inline constexpr char demoUserName[] = "demo";

std::optional<QString> ensureDemoUser(Store &store, QString *error);

} // namespace Sluice::Server
