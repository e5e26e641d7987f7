// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Metrics registry: Prometheus text format (HELP/TYPE, label escaping, declared families at zero,
// cumulative histogram buckets with +Inf, _sum and _count) and values that move.
#include "metrics/metrics.h"

#include <QtTest/QtTest>

using Sluice::Server::Metrics;

class TestMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void declaredFamiliesRenderAtZero();
    void countersAndGauges();
    void labelsAreEscaped();
    void histogramBuckets();
    void everyLineIsWellFormed();
};

void TestMetrics::declaredFamiliesRenderAtZero()
{
    const Metrics metrics;
    const QByteArray text = metrics.renderPrometheus();
    for (const char *name :
         { "sluice_streams_open", "sluice_events_appended_total", "sluice_event_commits_total",
           "sluice_events_delivered_total", "sluice_events_replayed_total",
           "sluice_stream_slow_consumer_closes_total" }) {
        QVERIFY2(text.contains(QByteArray(QByteArray(name) + " 0\n")), name);
    }
    QVERIFY(text.contains("# TYPE sluice_streams_open gauge\n"));
    QVERIFY(text.contains("# TYPE sluice_http_requests_total counter\n"));
    QVERIFY(text.contains("# TYPE sluice_http_request_duration_seconds histogram\n"));
    QVERIFY(text.contains("# TYPE sluice_auth_failures_total counter\n"));
    QVERIFY(text.contains("sluice_http_request_duration_seconds_count 0\n"));
}

void TestMetrics::countersAndGauges()
{
    Metrics metrics;
    metrics.increment("sluice_events_appended_total");
    metrics.increment("sluice_events_appended_total", {}, 4);
    metrics.gaugeAdd("sluice_streams_open", 3);
    metrics.gaugeAdd("sluice_streams_open", -1);
    metrics.increment("sluice_http_requests_total",
                      { { "route", "/healthz" }, { "status", "200" } });
    metrics.increment("sluice_http_requests_total",
                      { { "route", "/healthz" }, { "status", "200" } });
    metrics.increment("sluice_http_requests_total",
                      { { "route", "/metrics" }, { "status", "200" } });
    QCOMPARE(metrics.value("sluice_events_appended_total"), 5.0);
    QCOMPARE(metrics.value("sluice_streams_open"), 2.0);
    QCOMPARE(metrics.value("sluice_http_requests_total",
                           { { "route", "/healthz" }, { "status", "200" } }),
             2.0);
    QCOMPARE(metrics.value("no_such_metric"), 0.0);

    const QByteArray text = metrics.renderPrometheus();
    QVERIFY(text.contains("sluice_events_appended_total 5\n"));
    QVERIFY(text.contains("sluice_streams_open 2\n"));
    QVERIFY(text.contains("sluice_http_requests_total{route=\"/healthz\",status=\"200\"} 2\n"));
    QVERIFY(text.contains("sluice_http_requests_total{route=\"/metrics\",status=\"200\"} 1\n"));

    metrics.increment("custom_total", {}, 0.5);
    QVERIFY(metrics.renderPrometheus().contains("# TYPE custom_total counter\ncustom_total 0.5\n"));
}

void TestMetrics::labelsAreEscaped()
{
    Metrics metrics;
    metrics.increment("sluice_auth_failures_total", { { "reason", "a\"b\\c\nd" } });
    QVERIFY(metrics.renderPrometheus().contains(
        "sluice_auth_failures_total{reason=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

void TestMetrics::histogramBuckets()
{
    Metrics metrics;
    metrics.observe("sluice_http_request_duration_seconds", 0.0005);
    metrics.observe("sluice_http_request_duration_seconds", 0.003);
    metrics.observe("sluice_http_request_duration_seconds", 0.2);
    metrics.observe("sluice_http_request_duration_seconds", 42);
    const QByteArray text = metrics.renderPrometheus();
    QVERIFY(text.contains("sluice_http_request_duration_seconds_bucket{le=\"0.001\"} 1\n"));
    QVERIFY(text.contains("sluice_http_request_duration_seconds_bucket{le=\"0.005\"} 2\n"));
    QVERIFY(text.contains("sluice_http_request_duration_seconds_bucket{le=\"0.1\"} 2\n"));
    QVERIFY(text.contains("sluice_http_request_duration_seconds_bucket{le=\"0.25\"} 3\n"));
    QVERIFY(text.contains("sluice_http_request_duration_seconds_bucket{le=\"10\"} 3\n"));
    QVERIFY(text.contains("sluice_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"));
    QVERIFY(text.contains("sluice_http_request_duration_seconds_count 4\n"));
    QVERIFY(text.contains("sluice_http_request_duration_seconds_sum 42.2035\n"));
    QCOMPARE(metrics.value("sluice_http_request_duration_seconds"), 4.0);
}

void TestMetrics::everyLineIsWellFormed()
{
    Metrics metrics;
    metrics.increment("sluice_http_requests_total", { { "route", "/x" }, { "status", "404" } });
    metrics.observe("sluice_http_request_duration_seconds", 0.01);
    const QByteArray text = metrics.renderPrometheus();
    QVERIFY(text.endsWith('\n'));
    static const QRegularExpression sample(QStringLiteral(
        R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (-?[0-9.e+-]+|\+Inf|NaN)$)"));
    const QList<QByteArray> lines = text.chopped(1).split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE "))
            continue;
        QVERIFY2(sample.match(QString::fromUtf8(line)).hasMatch(), line.constData());
    }
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
