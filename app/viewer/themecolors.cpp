// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "themecolors.h"

namespace SluiceViewer {

namespace {

const QColor errorHue = QColor::fromRgb(0xd0, 0x30, 0x30);

} // namespace

QColor mixColors(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                            float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

QColor errorTextColor(const QPalette &palette, QPalette::ColorRole role)
{
    return mixColors(palette.color(role), errorHue, 0.65);
}

QColor errorBackgroundColor(const QPalette &palette)
{
    return mixColors(palette.color(QPalette::Base), errorHue, 0.16);
}

} // namespace SluiceViewer
