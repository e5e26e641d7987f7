// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/AttemptContext.h>

namespace Sluice {

class AttemptContextBuilder
{
public:
    static AttemptContext make(int attempt, int redirectCount, bool crossOrigin, const QUrl &url,
                               const Error &cause);
};

} // namespace Sluice
