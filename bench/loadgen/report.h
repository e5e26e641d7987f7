// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QString>

namespace Sluice::LoadGen {

// The Markdown table of a benchmark run: for each scenario its headline figures for Sluice and
// for the reference server next to each other, the ratio (> 1 means Sluice is better, whichever
// direction "better" is for the figure) and each server's CPU use.
QString markdownReport(const QList<QJsonObject> &runs);

} // namespace Sluice::LoadGen
