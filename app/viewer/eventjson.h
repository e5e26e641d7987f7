// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Event.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>

namespace SluiceViewer {

// One event as a line of JSON: {"data":"<the event's data>","id":"<id>","type":"<type>"}, the
// fields of `sluice-stream --json`, so exports and the command line's output read the same way.
QByteArray eventJsonLine(const Sluice::Event &event);
QByteArray eventJsonLines(const QList<Sluice::Event> &events);

} // namespace SluiceViewer
