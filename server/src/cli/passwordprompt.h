// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Reading a password for the `user` CLI: from a pipe (first line of stdin) or, on a terminal, typed
// without echo (termios).
#pragma once

#include <QtCore/QByteArray>

#include <optional>

namespace Sluice::Server {

bool stdinIsTerminal();

// The first line of stdin without its line ending; nullopt when stdin is empty.
std::optional<QByteArray> readPasswordLine();

// Writes `prompt` to stderr and reads one line from the terminal with echo off. nullopt on EOF.
std::optional<QByteArray> promptPassword(const char *prompt);

} // namespace Sluice::Server
