// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// DemoRun: plays the steps of one demo run for one prompt with a single-shot timer per step.
#pragma once

#include "stream/eventtype.h"

#include "demo/demoscript.h"

#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <functional>

namespace Sluice::Server {

class DemoRun : public QObject
{
    Q_OBJECT
public:
    using Publish = std::function<bool(EventType type, const QJsonValue &data)>;

    DemoRun(QList<DemoStep> steps, double speed, Publish publish, QObject *parent = nullptr);
    void start();

Q_SIGNALS:
    // completed: every step was published; false: a publish was refused and the run stopped.
    void finished(bool completed);

private:
    void scheduleNext();
    void playNext();

    QList<DemoStep> m_steps;
    double m_speed;
    Publish m_publish;
    qsizetype m_next = 0;
    QTimer m_timer;
};

} // namespace Sluice::Server
