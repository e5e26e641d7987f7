// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QLoggingCategory>

namespace SluiceViewer {

// sluice.viewer: the application (sign-in, sessions, tabs); sluice.viewer.stream: one line per
// stream state change, so a user's log shows what the status bar showed.
Q_DECLARE_LOGGING_CATEGORY(lcViewer)
Q_DECLARE_LOGGING_CATEGORY(lcViewerStream)

} // namespace SluiceViewer
