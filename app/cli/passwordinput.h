// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <optional>

namespace SluiceStream {

// The password in the first line of `bytes`: everything before the first LF, without a CR right
// before it (CRLF files). Other characters, spaces included, belong to the password.
QString passwordFromFirstLine(QByteArrayView bytes);

// --password-stdin: reads the first line of `fd` byte by byte (nothing after the line is
// consumed) and returns the password, or nullopt with a one-line `*error` when there is none
// (end of input before any character, an empty line, a read error, a line over 4 KiB). On a
// terminal, echo is off while reading. The bytes read are wiped before returning.
std::optional<QString> readPasswordLine(int fd, QString *error);

} // namespace SluiceStream
