// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "metrics/metrics.h"

#include <cmath>

namespace Sluice::Server {

namespace {

// Latency buckets in seconds (Prometheus client defaults, plus 1 ms).
constexpr double bucketBounds[]
    = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
constexpr qsizetype bucketCount = qsizetype(sizeof(bucketBounds) / sizeof(bucketBounds[0]));

QByteArray formatNumber(double v)
{
    if (std::isnan(v))
        return QByteArrayLiteral("NaN");
    if (std::isinf(v))
        return v > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        return QByteArray::number(qint64(v));
    return QByteArray::number(v, 'g', 15);
}

QByteArray escapeLabelValue(const QByteArray &value)
{
    QByteArray out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray renderLabels(const Metrics::Labels &labels, const QByteArray &extra = {})
{
    if (labels.isEmpty() && extra.isEmpty())
        return {};
    QByteArrayList parts;
    for (const auto &label : labels)
        parts.append(label.first + "=\"" + escapeLabelValue(label.second) + '"');
    if (!extra.isEmpty())
        parts.append(extra);
    return '{' + parts.join(',') + '}';
}

} // namespace

Metrics::Metrics()
{
    const struct
    {
        const char *name;
        Type type;
        const char *help;
        bool unlabelled = false; // shown as 0 before the first update
    } declared[] = {
        { "sluice_streams_open", Type::Gauge, "SSE streams currently open.", true },
        { "sluice_events_appended_total", Type::Counter,
          "Events appended to prompt logs (durable, before fan-out).", true },
        { "sluice_event_commits_total", Type::Counter,
          "Transactions that appended events (group commit: one fsync for all the events "
          "published in one turn of the event loop).",
          true },
        { "sluice_events_delivered_total", Type::Counter,
          "Events written to SSE streams (live and replayed).", true },
        { "sluice_events_replayed_total", Type::Counter,
          "Events written to SSE streams from the durable log on (re)connect.", true },
        { "sluice_stream_slow_consumer_closes_total", Type::Counter,
          "Streams closed because their output buffer exceeded the limit.", true },
        { "sluice_stream_rejections_total", Type::Counter,
          "Stream requests refused by a cap (reason=user_cap: 429, reason=total_cap: 503)." },
        { "sluice_auth_failures_total", Type::Counter, "Authentication failures by reason." },
        { "sluice_http_requests_total", Type::Counter,
          "HTTP requests answered, by route template and status." },
        { "sluice_http_request_duration_seconds", Type::Histogram,
          "Server-side handling time of HTTP requests (streams: until the headers).", true },
        { "sluice_demo_runs_total", Type::Counter, "Demo producer runs by outcome." },
        { "sluice_accept_errors_total", Type::Counter, "Failed accepts (retried).", true },
        { "sluice_quota_rejections_total", Type::Counter,
          "Requests refused with 403 QUOTA_EXCEEDED, by quota." },
        { "sluice_publish_rate_limited_total", Type::Counter,
          "Event POSTs refused with 429 by the per-prompt publish rate limit.", true },
        { "sluice_retention_deleted_prompts_total", Type::Counter,
          "Finished prompts (with their event logs) deleted by --retention.", true },
        { "sluice_database_up", Type::Gauge,
          "1 when the database answered a query at this scrape, else 0.", true },
        { "sluice_bus_connected", Type::Gauge,
          "Redis bus (--redis): 1 while both its connections are up, else 0.", true },
        { "sluice_bus_published_total", Type::Counter,
          "Events sent on the Redis bus to the other instances.", true },
        { "sluice_bus_publish_failures_total", Type::Counter,
          "Events not sent for want of a bus connection (the others re-read their logs).", true },
        { "sluice_bus_received_total", Type::Counter,
          "Events of other instances delivered to this one's streams by the bus.", true },
        { "sluice_bus_resyncs_total", Type::Counter,
          "Times this instance's streams re-read their logs after a bus outage.", true },
        { "sluice_bus_disconnects_total", Type::Counter, "Redis connections lost.", true },
    };
    for (const auto &d : declared) {
        Family &f = m_families[QByteArray(d.name)];
        f.type = d.type;
        f.help = d.help;
        if (d.unlabelled)
            series(f, {});
    }
}

Metrics::Family &Metrics::family(const char *name, Type type)
{
    auto it = m_families.find(QByteArray::fromRawData(name, qsizetype(qstrlen(name))));
    if (it == m_families.end()) {
        it = m_families.emplace(QByteArray(name), Family {}).first;
        it->second.type = type;
    }
    return it->second;
}

Metrics::Series &Metrics::series(Family &family, const Labels &labels)
{
    const QByteArray key = renderLabels(labels);
    auto it = family.series.find(key);
    if (it == family.series.end()) {
        Series s;
        s.labels = labels;
        if (family.type == Type::Histogram)
            s.buckets.fill(0, bucketCount);
        it = family.series.emplace(key, std::move(s)).first;
    }
    return it->second;
}

void Metrics::increment(const char *name, const Labels &labels, double by)
{
    series(family(name, Type::Counter), labels).value += by;
}

void Metrics::gaugeAdd(const char *name, double delta, const Labels &labels)
{
    series(family(name, Type::Gauge), labels).value += delta;
}

void Metrics::gaugeSet(const char *name, double value, const Labels &labels)
{
    series(family(name, Type::Gauge), labels).value = value;
}

void Metrics::observe(const char *histogram, double seconds, const Labels &labels)
{
    Family &f = family(histogram, Type::Histogram);
    Series &s = series(f, labels);
    if (s.buckets.size() != bucketCount)
        s.buckets.fill(0, bucketCount);
    s.value += seconds;
    ++s.count;
    for (qsizetype i = 0; i < bucketCount; ++i) {
        if (seconds <= bucketBounds[i]) {
            ++s.buckets[i];
            break;
        }
    }
}

double Metrics::value(const char *name, const Labels &labels) const
{
    const auto f = m_families.find(QByteArray::fromRawData(name, qsizetype(qstrlen(name))));
    if (f == m_families.end())
        return 0;
    const auto s = f->second.series.find(renderLabels(labels));
    if (s == f->second.series.end())
        return 0;
    return f->second.type == Type::Histogram ? double(s->second.count) : s->second.value;
}

QByteArray Metrics::renderPrometheus() const
{
    QByteArray out;
    out.reserve(4096);
    for (const auto &[name, f] : m_families) {
        if (!f.help.isEmpty())
            out += "# HELP " + name + ' ' + f.help + '\n';
        out += "# TYPE " + name + ' ';
        out += f.type == Type::Counter ? "counter" : f.type == Type::Gauge ? "gauge" : "histogram";
        out += '\n';
        if (f.type != Type::Histogram) {
            for (const auto &[labels, s] : f.series)
                out += name + labels + ' ' + formatNumber(s.value) + '\n';
            continue;
        }
        for (const auto &[labels, s] : f.series) {
            quint64 cumulative = 0;
            for (qsizetype i = 0; i < bucketCount; ++i) {
                cumulative += s.buckets.value(i);
                out += name + "_bucket"
                    + renderLabels(s.labels, "le=\"" + formatNumber(bucketBounds[i]) + '"') + ' '
                    + QByteArray::number(cumulative) + '\n';
            }
            out += name + "_bucket" + renderLabels(s.labels, QByteArrayLiteral("le=\"+Inf\"")) + ' '
                + QByteArray::number(s.count) + '\n';
            out += name + "_sum" + labels + ' ' + formatNumber(s.value) + '\n';
            out += name + "_count" + labels + ' ' + QByteArray::number(s.count) + '\n';
        }
    }
    return out;
}

} // namespace Sluice::Server
