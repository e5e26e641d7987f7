// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtGui/QColor>
#include <QtGui/QPalette>

namespace SluiceViewer {

// Colours derived from the palette, so that light and dark themes both read well: nothing but
// the error hue is fixed, and it is blended into the palette's own colours.
QColor mixColors(const QColor &a, const QColor &b, qreal t);
// Text (or a border) that says "error" on `role`'s background.
QColor errorTextColor(const QPalette &palette, QPalette::ColorRole role = QPalette::Text);
// A background that says "error" behind Text.
QColor errorBackgroundColor(const QPalette &palette);

} // namespace SluiceViewer
