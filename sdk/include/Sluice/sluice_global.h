// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/qglobal.h>

#if defined(SLUICE_SDK_STATIC)
#define SLUICE_EXPORT
#elif defined(SLUICE_BUILD_SDK)
#define SLUICE_EXPORT Q_DECL_EXPORT
#else
#define SLUICE_EXPORT Q_DECL_IMPORT
#endif
