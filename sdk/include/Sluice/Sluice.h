// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Convenience header: everything in the Sluice SDK.
#pragma once

#include <Sluice/AttemptContext.h>
#include <Sluice/Error.h>
#include <Sluice/Event.h>
#include <Sluice/EventSource.h>
#include <Sluice/Response.h>
#include <Sluice/RetryPolicy.h>
#include <Sluice/SseParser.h>
