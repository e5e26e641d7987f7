// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// StreamMetrics: the stream room's counters, in one place. Forwards to the server's Metrics
// registry (metrics/metrics.h) when one is wired in; every call is a no-op without it.
#pragma once

#include <QtCore/QByteArray>

namespace Sluice::Server {

class Metrics;

class StreamMetrics
{
public:
    explicit StreamMetrics(Metrics *metrics = nullptr)
        : m_metrics(metrics)
    { }
    void setMetrics(Metrics *metrics) { m_metrics = metrics; }

    void streamOpened() const; // sluice_streams_open +1
    void streamClosed() const; // sluice_streams_open -1
    void eventAppended() const; // sluice_events_appended_total
    void eventsCommitted() const; // sluice_event_commits_total (one per group commit)
    void eventDelivered() const; // sluice_events_delivered_total (live)
    void eventsReplayed(qint64 count) const; // sluice_events_replayed_total
    void slowConsumerClosed() const; // sluice_stream_slow_consumer_closes_total
    void authFailure(const QByteArray &reason) const; // sluice_auth_failures_total{reason}

private:
    Metrics *m_metrics;
};

} // namespace Sluice::Server
