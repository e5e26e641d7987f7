// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RedisLocation: the --redis URL of the bus between instances, parsed and checked (no hiredis
// needed, so the configuration can refuse a bad URL in any build). The server and
// `sluice-server user` read it the same way.
#pragma once

#include <QtCore/QString>

#include <optional>

namespace Sluice::Server {

// redis://host:port (port 6379 when left out). No password: the bus is meant for loopback or a
// private network, and a command line is readable by every local user.
struct RedisLocation
{
    QString host;
    quint16 port = 6379;

    static std::optional<RedisLocation> fromUrl(const QString &url, QString *error);
    QString display() const;
};

} // namespace Sluice::Server
