// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "demo/demoproducer.h"

#include "demo/demorun.h"
#include "logging.h"
#include "metrics/metrics.h"

namespace Sluice::Server {

DemoProducer::DemoProducer(Publish publish, double speed, QList<DemoStep> transcript,
                           Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_publish(std::move(publish))
    , m_speed(speed)
    , m_transcript(std::move(transcript))
    , m_metrics(metrics)
{ }

DemoProducer::~DemoProducer() = default;

void DemoProducer::start(const PromptRecord &prompt)
{
    if (m_runs.contains(prompt.id))
        return;
    QList<DemoStep> steps = m_transcript.isEmpty()
        ? DemoScript::simulatedRun(prompt.text, quint32(qHash(prompt.id)))
        : m_transcript;
    const QString promptId = prompt.id;
    auto *run = new DemoRun(
        std::move(steps), m_speed,
        [this, promptId](EventType type, const QJsonValue &data) {
            return m_publish(promptId, type, data);
        },
        this);
    connect(run, &DemoRun::finished, this,
            [this, promptId](bool completed) { finishRun(promptId, completed); });
    m_runs.insert(promptId, run);
    qCInfo(lcDemo, "demo run started for prompt %s (%s, speed %g)", qPrintable(promptId),
           m_transcript.isEmpty() ? "simulated" : "transcript", m_speed);
    run->start();
}

void DemoProducer::finishRun(const QString &promptId, bool completed)
{
    if (const QPointer<DemoRun> run = m_runs.take(promptId))
        run->deleteLater();
    if (completed)
        qCInfo(lcDemo, "demo run for prompt %s finished", qPrintable(promptId));
    else
        qCWarning(lcDemo, "demo run for prompt %s stopped: an event was refused",
                  qPrintable(promptId));
    if (m_metrics) {
        m_metrics->increment(
            "sluice_demo_runs_total",
            { { "outcome",
                completed ? QByteArrayLiteral("completed") : QByteArrayLiteral("aborted") } });
    }
    Q_EMIT runFinished(promptId, completed);
}

} // namespace Sluice::Server
