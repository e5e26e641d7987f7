// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "store/promptstatus.h"

namespace Sluice::Server {

QString promptStatusName(PromptStatus status)
{
    switch (status) {
    case PromptStatus::Pending:
        return QStringLiteral("pending");
    case PromptStatus::Running:
        return QStringLiteral("running");
    case PromptStatus::Done:
        return QStringLiteral("done");
    case PromptStatus::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

std::optional<PromptStatus> parsePromptStatus(QStringView name)
{
    for (auto status : { PromptStatus::Pending, PromptStatus::Running, PromptStatus::Done,
                         PromptStatus::Failed }) {
        if (name == promptStatusName(status))
            return status;
    }
    return std::nullopt;
}

} // namespace Sluice::Server
