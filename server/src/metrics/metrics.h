// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Metrics: the server's counters, gauges and histograms, rendered in the Prometheus text
// exposition format (version 0.0.4) by `GET /metrics`.
//
// Thread-affine (the server's event-loop thread) and cheap: a lookup in a small map per call.
// Every family the server exports is declared up front (name, type, help) so it shows up at zero
// before anything happened; a name that is not declared is created on first use.
//
// Names (see docs/ARCHITECTURE.md): sluice_streams_open (gauge), sluice_events_appended_total,
// sluice_events_delivered_total, sluice_events_replayed_total,
// sluice_stream_slow_consumer_closes_total, sluice_stream_rejections_total{reason},
// sluice_auth_failures_total{reason}, sluice_http_requests_total{route,status},
// sluice_http_request_duration_seconds (histogram), sluice_demo_runs_total{outcome},
// sluice_quota_rejections_total{quota}, sluice_publish_rate_limited_total,
// sluice_retention_deleted_prompts_total, sluice_database_up (gauge), sluice_bus_connected (gauge),
// sluice_bus_published_total, sluice_bus_publish_failures_total, sluice_bus_received_total,
// sluice_bus_resyncs_total, sluice_bus_disconnects_total.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>

#include <map>

namespace Sluice::Server {

class Metrics
{
public:
    using Labels = QList<QPair<QByteArray, QByteArray>>;

    Metrics();

    void increment(const char *name, const Labels &labels = {}, double by = 1);
    void gaugeAdd(const char *name, double delta, const Labels &labels = {});
    void gaugeSet(const char *name, double value, const Labels &labels = {});
    void observe(const char *histogram, double seconds, const Labels &labels = {});

    // Current value of a counter or gauge series (0 when it does not exist); histogram: count.
    double value(const char *name, const Labels &labels = {}) const;

    QByteArray renderPrometheus() const;

    static QByteArray contentType()
    {
        return QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");
    }

private:
    enum class Type { Counter, Gauge, Histogram };
    struct Series
    {
        Labels labels;
        double value = 0; // counter/gauge value; histogram sum
        quint64 count = 0; // histogram
        QList<quint64> buckets; // histogram, per bucket (not cumulative)
    };
    struct Family
    {
        Type type = Type::Counter;
        QByteArray help;
        std::map<QByteArray, Series> series; // by rendered label set
    };

    Family &family(const char *name, Type type);
    Series &series(Family &family, const Labels &labels);

    std::map<QByteArray, Family> m_families;
};

} // namespace Sluice::Server
