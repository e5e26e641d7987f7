// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RetentionJob: --retention. Deletes the prompts that finished (status done) longer ago than the
// retention period, with their event logs, once soon after startup and then every hour.
//
// A deleted prompt is gone as if it had never existed: every route answers 404 NOT_FOUND for it
// (GET, stream, stream token, events), and it no longer counts against its user's prompt quota.
// Its session stays. Prompts that never finished are kept whatever their age (a producer may
// still finish them). Deletion runs in small batches, one transaction each, going back to the
// event loop between batches so that streams and requests keep being served during a large purge.
#pragma once

#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <chrono>

namespace Sluice::Server {

class Metrics;
class Store;

class RetentionJob : public QObject
{
    Q_OBJECT
public:
    // `retention` > 0. Nothing runs before start().
    RetentionJob(Store &store, std::chrono::milliseconds retention, Metrics *metrics = nullptr,
                 QObject *parent = nullptr);

    // A purge from the event loop now, then one every `interval`.
    void start(std::chrono::milliseconds interval = std::chrono::hours(1));
    // Starts a purge unless one is running (it then finishes on its own, batch by batch).
    void purge();

    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // A purge finished; `deleted` prompts were removed (-1: a storage error stopped it).
    void purged(int deleted);

private:
    void runBatch();

    Store &m_store;
    std::chrono::milliseconds m_retention;
    Metrics *m_metrics;
    QTimer m_timer;
    bool m_running = false;
    qint64 m_cutoffMs = 0;
    int m_deleted = 0;
};

} // namespace Sluice::Server
