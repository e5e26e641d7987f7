// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "ops/retentionjob.h"

#include "logging.h"
#include "metrics/metrics.h"
#include "store/store.h"

#include <QtCore/QDateTime>

namespace Sluice::Server {

namespace {
// Prompts per transaction: each takes its whole log with it (up to --max-events-per-prompt rows),
// so a batch stays short enough not to stall the event loop or hold the write lock for long.
constexpr int batchSize = 16;
} // namespace

RetentionJob::RetentionJob(Store &store, std::chrono::milliseconds retention, Metrics *metrics,
                           QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_retention(retention)
    , m_metrics(metrics)
{
    connect(&m_timer, &QTimer::timeout, this, &RetentionJob::purge);
}

void RetentionJob::start(std::chrono::milliseconds interval)
{
    m_timer.start(interval);
    QTimer::singleShot(0, this, &RetentionJob::purge);
}

void RetentionJob::purge()
{
    if (m_running)
        return;
    m_running = true;
    // One cutoff for the whole purge: prompts finishing meanwhile wait for the next one.
    m_cutoffMs = QDateTime::currentMSecsSinceEpoch() - qint64(m_retention.count());
    m_deleted = 0;
    runBatch();
}

void RetentionJob::runBatch()
{
    const int deleted = m_store.deleteFinishedPrompts(
        QDateTime::fromMSecsSinceEpoch(m_cutoffMs, Qt::UTC), batchSize);
    if (deleted < 0) {
        qCWarning(lcOps, "retention: deleting finished prompts failed (retried in the next run)");
        m_running = false;
        Q_EMIT purged(-1);
        return;
    }
    m_deleted += deleted;
    if (m_metrics && deleted > 0)
        m_metrics->increment("sluice_retention_deleted_prompts_total", {}, deleted);
    if (deleted == batchSize) {
        QTimer::singleShot(0, this, &RetentionJob::runBatch);
        return;
    }
    m_running = false;
    if (m_deleted > 0)
        qCInfo(lcOps, "retention: deleted %d finished prompts and their event logs", m_deleted);
    Q_EMIT purged(m_deleted);
}

} // namespace Sluice::Server
