// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// DemoProducer: in --demo mode every new prompt gets a simulated agent run (or, with --replay, the
// recorded transcript), published step by step through `publish` — in the server that is the
// EventPublisher, so demo events take the same path as real ones (durable log first, then the
// bus). Pacing: each step's delay divided by `speed`.
//
// A run stops early when a publish is refused (prompt finished or removed); runs in flight are
// dropped with the producer (server shutdown).
#pragma once

#include "stream/eventtype.h"

#include "demo/demoscript.h"
#include "store/store.h"

#include <QtCore/QHash>
#include <QtCore/QJsonValue>
#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <functional>

namespace Sluice::Server {

class Metrics;
class DemoRun;

class DemoProducer : public QObject
{
    Q_OBJECT
public:
    // True when the event was appended.
    using Publish
        = std::function<bool(const QString &promptId, EventType type, const QJsonValue &data)>;

    // `transcript` empty: simulated runs. `metrics` may be null.
    DemoProducer(Publish publish, double speed, QList<DemoStep> transcript,
                 Metrics *metrics = nullptr, QObject *parent = nullptr);
    ~DemoProducer() override;

    void start(const Sluice::Server::PromptRecord &prompt);
    int activeRuns() const { return int(m_runs.size()); }

Q_SIGNALS:
    void runFinished(const QString &promptId, bool completed);

private:
    void finishRun(const QString &promptId, bool completed);

    Publish m_publish;
    double m_speed;
    QList<DemoStep> m_transcript;
    Metrics *m_metrics;
    QHash<QString, QPointer<DemoRun>> m_runs;
};

} // namespace Sluice::Server
