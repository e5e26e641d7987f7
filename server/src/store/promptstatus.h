// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The life of a prompt, and the one place its names ("pending", "running", "done", "failed": the
// API's and the database's) are written.
#pragma once

#include <QtCore/QString>
#include <QtCore/QStringView>

#include <optional>

namespace Sluice::Server {

enum class PromptStatus {
    Pending, // created, no event yet
    Running, // at least one event
    Done, // `done` was published: the log is complete, streams replay it and end
    Failed,
};

QString promptStatusName(PromptStatus status);
std::optional<PromptStatus> parsePromptStatus(QStringView name);

} // namespace Sluice::Server
