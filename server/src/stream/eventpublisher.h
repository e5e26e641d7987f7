// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// EventPublisher: the ONLY way events enter a prompt. Validates type and shape, appends to the
// durable log BEFORE fan-out, then publishes on the bus. The append and the status change it
// implies are one transaction (Store::appendEvent with an EventAppend): `done` finishes the prompt
// (status "done"; further events are refused with 409 CONFLICT), the first event moves a pending
// prompt to running. A storage failure (disk full, I/O error) stores nothing and answers 503
// SERVICE_UNAVAILABLE: the producer retries later, nothing acknowledged is lost. The per-prompt
// quotas (events, bytes; ops/quotas.h) are checked in that same transaction: over one → 403
// QUOTA_EXCEEDED. `done` is exempt, so that a prompt that reached its quota can still finish.
#pragma once

#include "stream/eventtype.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonValue>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <optional>

namespace Sluice::Server {

class EventBus;
class Quotas;
class Store;
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

    static constexpr qsizetype maxDataBytes = 1 << 20;

private:
    Store &m_store;
    EventBus &m_bus;
    const StreamMetrics &m_metrics;
    const Quotas *m_quotas;
};

} // namespace Sluice::Server
