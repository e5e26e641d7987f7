// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// EventPublisher: the ONLY way events enter a prompt. Validates type and shape, appends to the
// durable log BEFORE fan-out, then publishes on the bus. The append and the status change it
// implies are one transaction (Store::appendEvent with an EventAppend): `done` finishes the prompt
// (status "done"; further events are refused with 409 CONFLICT), the first event moves a pending
// prompt to running. A storage failure (disk full, I/O error) stores nothing and answers 503
// SERVICE_UNAVAILABLE: the producer retries later, nothing acknowledged is lost. The per-prompt
// quotas (events, bytes; ops/quotas.h) are checked in that same transaction: over one → 403
// QUOTA_EXCEEDED. `done` is exempt, so that a prompt that reached its quota can still finish.
//
// Group commit: enqueue() gathers the events that arrive in one turn of the event loop and
// appends them in ONE transaction (Store::appendEvents, one fsync) at the end of that turn; only
// then are they fanned out and answered, in order. Under load, the producers' requests that pile
// up while one commit is on the disk make up the next batch, so throughput grows with the number
// of concurrent producers instead of being one fsync per event. publish() is the same path for
// one event, answered at once (the demo producer, tests).
#pragma once

#include "store/store.h"
#include "stream/eventtype.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonValue>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <functional>
#include <optional>
#include <variant>

namespace Sluice::Server {

class EventBus;
class Quotas;
class StreamMetrics;

class EventPublisher
{
public:
    struct Result
    {
        std::optional<qint64> id; // set on success
        int httpStatus = 0; // 201 on success; 400, 403 (quota), 404, 409 or 503 otherwise
        QByteArray code; // ErrorCode on failure
        QString message;
    };

    // `quotas` null: no per-prompt quota.
    EventPublisher(Store &store, EventBus &bus, const StreamMetrics &metrics,
                   const Quotas *quotas = nullptr);

    Result publish(const QString &promptId, EventType type, const QJsonValue &data);

    // The event joins the batch committed at the end of this turn of the event loop; `done` is
    // called after the commit (and fan-out), or at once when the event is invalid.
    using Completion = std::function<void(const Result &)>;
    void enqueue(const QString &promptId, EventType type, const QJsonValue &data, Completion done);

    static constexpr qsizetype maxDataBytes = 1 << 20;
    // One transaction holds at most this many events (and about maxBatchBytes of data), so a
    // burst cannot hold the event loop in one commit for long.
    static constexpr qsizetype maxBatchEvents = 512;
    static constexpr qsizetype maxBatchBytes = 8 << 20;

private:
    struct Pending
    {
        PromptEventAppend append;
        QString typeName;
        Completion done;
    };

    std::variant<PromptEventAppend, Result> prepare(const QString &promptId, EventType type,
                                                    const QJsonValue &data) const;
    Result finishOne(const Pending &pending, const AppendResult &stored);
    void flush();

    Store &m_store;
    EventBus &m_bus;
    const StreamMetrics &m_metrics;
    const Quotas *m_quotas;
    QList<Pending> m_queue;
    QObject m_flushContext; // the end-of-turn flush is queued on it, and dropped with it
    bool m_flushQueued = false;
};

} // namespace Sluice::Server
