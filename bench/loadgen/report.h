// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace Sluice::LoadGen {

// The Markdown table of a benchmark run: for each scenario its headline figures for Sluice and
// for the reference server next to each other, the ratio (> 1 means Sluice is better, whichever
// direction "better" is for the figure) and each server's CPU use.
QString markdownReport(const QList<QJsonObject> &runs);

// What makes a run of the harness a failure: any run that could not be set up, and for Sluice
// any lost, duplicated or failed delivery or stream. Empty when all is well.
QStringList checkRuns(const QList<QJsonObject> &runs);

// The row title of a run ("idle 1000 streams", "1 prompt(s) × 1000 subscribers, 100 events/s").
QString scenarioTitleForCheck(const QJsonObject &run);

} // namespace Sluice::LoadGen
