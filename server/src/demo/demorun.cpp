// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "demo/demorun.h"

#include <cmath>

namespace Sluice::Server {

DemoRun::DemoRun(QList<DemoStep> steps, double speed, Publish publish, QObject *parent)
    : QObject(parent)
    , m_steps(std::move(steps))
    , m_speed(speed > 0 ? speed : 1.0)
    , m_publish(std::move(publish))
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &DemoRun::playNext);
}

void DemoRun::start()
{
    scheduleNext();
}

void DemoRun::scheduleNext()
{
    if (m_next >= m_steps.size()) {
        Q_EMIT finished(true);
        return;
    }
    const double delay = double(m_steps.at(m_next).delayMs) / m_speed;
    m_timer.start(int(std::lround(delay)));
}

void DemoRun::playNext()
{
    const DemoStep &step = m_steps.at(m_next++);
    if (!m_publish(step.type, step.data)) {
        Q_EMIT finished(false);
        return;
    }
    scheduleNext();
}

} // namespace Sluice::Server
