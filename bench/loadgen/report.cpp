// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "report.h"

#include <QtCore/QJsonValue>
#include <QtCore/QStringList>

#include <functional>
#include <optional>

namespace Sluice::LoadGen {

namespace {

struct Figure
{
    QString name;
    std::function<std::optional<double>(const QJsonObject &)> value;
    bool higherIsBetter;
    int decimals;
    QString cpuKey; // which phase's CPU the row shows
};

double at(const QJsonObject &run, const QString &path)
{
    const QStringList parts = path.split(u'.');
    QJsonValue value = run.value(parts.first());
    for (qsizetype i = 1; i < parts.size(); ++i)
        value = value.toObject().value(parts.at(i));
    return value.toDouble();
}

std::function<std::optional<double>(const QJsonObject &)> field(const QString &path)
{
    return [path](const QJsonObject &run) -> std::optional<double> {
        return at(run, path);
    };
}

QList<Figure> figuresFor(const QString &scenario)
{
    const Figure lost { QStringLiteral("lost + duplicated"),
                        [](const QJsonObject &r) -> std::optional<double> {
                            return at(r, QStringLiteral("lost"))
                                + at(r, QStringLiteral("duplicated"));
                        },
                        false, 0, QStringLiteral("cpu_publish_percent") };
    if (scenario == u"client") {
        return { { QStringLiteral("events/s"), field(QStringLiteral("events_per_second")), true, 0,
                   QString() },
                 { QStringLiteral("peak RSS (MiB)"),
                   [](const QJsonObject &r) -> std::optional<double> {
                       return at(r, QStringLiteral("peak_rss_kib")) / 1024.0;
                   },
                   false, 1, QString() } };
    }
    if (scenario == u"idle") {
        return { { QStringLiteral("server RSS per stream (KiB)"),
                   field(QStringLiteral("rss_per_stream_kib")), false, 1,
                   QStringLiteral("cpu_hold_percent") },
                 { QStringLiteral("time to open all (s)"), field(QStringLiteral("connect_seconds")),
                   false, 2, QStringLiteral("cpu_connect_percent") },
                 { QStringLiteral("failed streams"), field(QStringLiteral("streams_failed")), false,
                   0, QStringLiteral("cpu_connect_percent") } };
    }
    if (scenario == u"storm") {
        return { { QStringLiteral("time to open all (s)"), field(QStringLiteral("connect_seconds")),
                   false, 2, QStringLiteral("cpu_connect_percent") },
                 { QStringLiteral("open, p99 (ms)"),
                   field(QStringLiteral("connect_latency.p99_ms")), false, 1,
                   QStringLiteral("cpu_connect_percent") },
                 { QStringLiteral("failed streams"), field(QStringLiteral("streams_failed")), false,
                   0, QStringLiteral("cpu_connect_percent") },
                 { QStringLiteral("one event to all, last arrival (ms)"),
                   field(QStringLiteral("last_subscriber_latency.max_ms")), false, 1,
                   QStringLiteral("cpu_publish_percent") } };
    }
    if (scenario == u"latency") {
        return { { QStringLiteral("publish answered, p50 (ms)"),
                   field(QStringLiteral("publish_latency.p50_ms")), false, 2,
                   QStringLiteral("cpu_publish_percent") },
                 { QStringLiteral("publish answered, p99 (ms)"),
                   field(QStringLiteral("publish_latency.p99_ms")), false, 2,
                   QStringLiteral("cpu_publish_percent") },
                 { QStringLiteral("delivery, p99 (ms)"),
                   field(QStringLiteral("delivery_latency.p99_ms")), false, 2,
                   QStringLiteral("cpu_publish_percent") },
                 lost };
    }
    // fanout, prompts
    return {
        { QStringLiteral("deliveries/s"), field(QStringLiteral("deliveries_per_second")), true, 0,
          QStringLiteral("cpu_publish_percent") },
        { QStringLiteral("delivery p50 (ms)"), field(QStringLiteral("delivery_latency.p50_ms")),
          false, 2, QStringLiteral("cpu_publish_percent") },
        { QStringLiteral("delivery p99 (ms)"), field(QStringLiteral("delivery_latency.p99_ms")),
          false, 2, QStringLiteral("cpu_publish_percent") },
        { QStringLiteral("delivery p99.9 (ms)"), field(QStringLiteral("delivery_latency.p999_ms")),
          false, 2, QStringLiteral("cpu_publish_percent") },
        lost
    };
}

QString scenarioTitle(const QJsonObject &run)
{
    const QString scenario = run.value(QStringLiteral("scenario")).toString();
    const int streams = run.value(QStringLiteral("streams")).toInt();
    const int prompts = run.value(QStringLiteral("prompts")).toInt();
    const double rate = run.value(QStringLiteral("events_per_second")).toDouble();
    if (scenario == u"idle")
        return QStringLiteral("idle %1 streams").arg(streams);
    if (scenario == u"client")
        return QStringLiteral("client: one stream of %1 small events")
            .arg(run.value(QStringLiteral("expected")).toInteger());
    if (scenario == u"storm")
        return QStringLiteral("connect storm %1 over %2 prompt(s)").arg(streams).arg(prompts);
    if (scenario == u"latency")
        return QStringLiteral("publish latency, 1 subscriber, %1 events/s").arg(rate);
    if (scenario == u"cluster")
        return QStringLiteral("PostgreSQL + Redis, %1 prompt(s) × %2 subscribers, %3 events/s")
            .arg(prompts)
            .arg(streams / std::max(1, prompts))
            .arg(rate);
    return QStringLiteral("%1 prompt(s) × %2 subscribers, %3 events/s")
        .arg(prompts)
        .arg(streams / std::max(1, prompts))
        .arg(rate);
}

} // namespace

QString scenarioTitleForCheck(const QJsonObject &run)
{
    return scenarioTitle(run);
}

namespace {

QString cpu(const QJsonObject &run, const QString &key)
{
    if (run.isEmpty() || key.isEmpty())
        return QStringLiteral("–");
    return QString::number(at(run, key), 'f', 0);
}

QString number(std::optional<double> value, int decimals)
{
    return value ? QString::number(*value, 'f', decimals) : QStringLiteral("–");
}

} // namespace

namespace {

// One table: each row's figure for the run in the left column and the run in the right one,
// paired by scenario title; `isRight` says which column a run belongs to.
QString table(const QList<QJsonObject> &runs, const QString &left, const QString &right,
              const std::function<bool(const QJsonObject &)> &isRight)
{
    QStringList lines;
    lines << u"| scenario | figure | " + left + u" | " + right + u" | ratio | " + left
            + u" CPU % | " + right + u" CPU % |"
          << QStringLiteral("|---|---|---:|---:|---:|---:|---:|");
    // A scenario without a run in one column shows "–" there.
    QStringList order;
    QHash<QString, QJsonObject> leftRuns, rightRuns;
    for (const QJsonObject &run : runs) {
        const QString key = scenarioTitle(run);
        if (!order.contains(key))
            order << key;
        (isRight(run) ? rightRuns : leftRuns).insert(key, run);
    }
    for (const QString &key : std::as_const(order)) {
        const QJsonObject s = leftRuns.value(key);
        const QJsonObject r = rightRuns.value(key);
        const QString scenario = (s.isEmpty() ? r : s).value(QStringLiteral("scenario")).toString();
        for (const QString &which : { s.value(QStringLiteral("error")).toString(),
                                      r.value(QStringLiteral("error")).toString() }) {
            if (!which.isEmpty())
                lines << QStringLiteral("| %1 | **error** | %2 | | | | |")
                             .arg(key, which.toHtmlEscaped());
        }
        for (const Figure &figure : figuresFor(scenario)) {
            const auto sv = s.isEmpty() ? std::nullopt : figure.value(s);
            const auto rv = r.isEmpty() ? std::nullopt : figure.value(r);
            QString ratio = QStringLiteral("–");
            if (sv && rv && *sv > 0 && *rv > 0)
                ratio
                    = QString::number(figure.higherIsBetter ? *sv / *rv : *rv / *sv, 'f', 2) + u'×';
            lines << QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |")
                         .arg(key, figure.name, number(sv, figure.decimals),
                              number(rv, figure.decimals), ratio, cpu(s, figure.cpuKey),
                              cpu(r, figure.cpuKey));
        }
    }
    return lines.join(u'\n') + u'\n';
}

int instances(const QJsonObject &run)
{
    return std::max(1, run.value(QStringLiteral("instances")).toInt());
}

} // namespace

QString markdownReport(const QList<QJsonObject> &runs)
{
    // Sluice next to the reference server; the cluster scenario (Sluice only) in its own table,
    // several instances next to one.
    QList<QJsonObject> single, cluster;
    for (const QJsonObject &run : runs)
        (run.value(QStringLiteral("scenario")).toString() == u"cluster" ? cluster : single) << run;
    QString out;
    if (!single.isEmpty() || cluster.isEmpty()) {
        out += table(single, QStringLiteral("Sluice"), QStringLiteral("reference"),
                     [](const QJsonObject &run) {
                         return run.value(QStringLiteral("label")).toString() == u"reference";
                     });
    }
    if (!cluster.isEmpty()) {
        int most = 1;
        for (const QJsonObject &run : std::as_const(cluster))
            most = std::max(most, instances(run));
        if (!out.isEmpty())
            out += u'\n';
        out += table(cluster, QStringLiteral("%1 instances").arg(most),
                     QStringLiteral("1 instance"),
                     [](const QJsonObject &run) { return instances(run) == 1; });
    }
    return out;
}

} // namespace Sluice::LoadGen

namespace Sluice::LoadGen {

QStringList checkRuns(const QList<QJsonObject> &runs)
{
    QStringList problems;
    for (const QJsonObject &run : runs) {
        const QString what
            = run.value(QStringLiteral("label")).toString() + u' ' + scenarioTitleForCheck(run);
        if (!run.value(QStringLiteral("error")).toString().isEmpty())
            problems << what + u": " + run.value(QStringLiteral("error")).toString();
        if (run.value(QStringLiteral("label")).toString() != u"sluice")
            continue;
        for (const char *key :
             { "lost", "duplicated", "streams_failed", "streams_dropped", "publish_failed" }) {
            const double value = run.value(QLatin1StringView(key)).toDouble();
            if (value != 0)
                problems
                    << QStringLiteral("%1: %2 = %3").arg(what, QLatin1StringView(key)).arg(value);
        }
        if (run.value(QStringLiteral("events_per_second")).toDouble() > 0
            && run.value(QStringLiteral("streams")).toInt() > 0
            && run.value(QStringLiteral("deliveries")).toDouble() <= 0)
            problems << what + QStringLiteral(": nothing was delivered");
    }
    return problems;
}

} // namespace Sluice::LoadGen
