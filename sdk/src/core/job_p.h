// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Job.h>

namespace Sluice {

class JobPrivate
{
public:
    virtual ~JobPrivate() = default;

    Error error;
    bool finished = false; // finish() was called
    bool autoDelete = true;
};

} // namespace Sluice
