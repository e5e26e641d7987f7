// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/streammetrics.h"

#if __has_include("metrics/metrics.h")
#include "metrics/metrics.h"
#define SLUICE_HAS_METRICS 1
#endif

namespace Sluice::Server {

#ifdef SLUICE_HAS_METRICS
void StreamMetrics::streamOpened() const
{
    if (m_metrics)
        m_metrics->gaugeAdd("sluice_streams_open", 1);
}
void StreamMetrics::streamClosed() const
{
    if (m_metrics)
        m_metrics->gaugeAdd("sluice_streams_open", -1);
}
void StreamMetrics::eventAppended() const
{
    if (m_metrics)
        m_metrics->increment("sluice_events_appended_total");
}
void StreamMetrics::eventsCommitted() const
{
    if (m_metrics)
        m_metrics->increment("sluice_event_commits_total");
}
void StreamMetrics::eventDelivered() const
{
    if (m_metrics)
        m_metrics->increment("sluice_events_delivered_total");
}
void StreamMetrics::eventsReplayed(qint64 count) const
{
    if (m_metrics && count > 0)
        m_metrics->increment("sluice_events_replayed_total", {}, double(count));
}
void StreamMetrics::slowConsumerClosed() const
{
    if (m_metrics)
        m_metrics->increment("sluice_stream_slow_consumer_closes_total");
}
void StreamMetrics::authFailure(const QByteArray &reason) const
{
    if (m_metrics)
        m_metrics->increment("sluice_auth_failures_total",
                             { { QByteArrayLiteral("reason"), reason } });
}
#else
void StreamMetrics::streamOpened() const
{ }
void StreamMetrics::streamClosed() const
{ }
void StreamMetrics::eventAppended() const
{ }
void StreamMetrics::eventsCommitted() const
{ }
void StreamMetrics::eventDelivered() const
{ }
void StreamMetrics::eventsReplayed(qint64) const
{ }
void StreamMetrics::slowConsumerClosed() const
{ }
void StreamMetrics::authFailure(const QByteArray &) const
{ }
#endif

} // namespace Sluice::Server
