// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Secrets the server reads from files (signing keys, the producer key, the metrics token), and
// the one way they are compared. A secret is never logged.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <optional>

namespace Sluice::Server::Secrets {

// The file's content without surrounding whitespace (at most 64 KiB). A file that its group or
// others may read (or write) is refused in production ("chmod 600 …" says the error) and warned
// about otherwise. `what` names it in messages ("access key", "metrics token").
std::optional<QByteArray> readFile(const QString &path, const QString &what, bool production,
                                   QString *error);

// An optional secret given as a file (`file`, which wins) or directly in the environment
// (`envValue`): *out gets it (empty when neither is set). False with *error when it is shorter
// than `minimumLength` or the file cannot be read (or is too open, see readFile()).
bool load(const QString &file, const QByteArray &envValue, const QString &what,
          qsizetype minimumLength, bool production, QByteArray *out, QString *error);

// Constant-time equality (the time does not depend on where the values differ).
bool equal(const QByteArray &a, const QByteArray &b);

} // namespace Sluice::Server::Secrets
