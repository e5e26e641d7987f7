// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "logging.h"

namespace SluiceViewer {

Q_LOGGING_CATEGORY(lcViewer, "sluice.viewer")
Q_LOGGING_CATEGORY(lcViewerStream, "sluice.viewer.stream")

} // namespace SluiceViewer
