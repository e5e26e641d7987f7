// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
/// Convenience header: everything in the Sluice SDK.
#pragma once

#include <Sluice/ApiClient.h>
#include <Sluice/ApiReply.h>
#include <Sluice/ApiTypes.h>
#include <Sluice/AttemptContext.h>
#include <Sluice/AuthSession.h>
#include <Sluice/Error.h>
#include <Sluice/Event.h>
#include <Sluice/EventSource.h>
#include <Sluice/Job.h>
#include <Sluice/KeychainTokenStore.h>
#include <Sluice/MemoryTokenStore.h>
#include <Sluice/PromptStream.h>
#include <Sluice/Response.h>
#include <Sluice/RetryPolicy.h>
#include <Sluice/SseParser.h>
#include <Sluice/TokenStore.h>
