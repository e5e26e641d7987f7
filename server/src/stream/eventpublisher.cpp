// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/eventpublisher.h"

#include "bus/eventbus.h"
#include "http/jsonreply.h"
#include "logging.h"
#include "ops/quotas.h"
#include "store/store.h"
#include "stream/sseframe.h"
#include "stream/streammetrics.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaObject>

#include <algorithm>

namespace Sluice::Server {

namespace {
EventPublisher::Result failure(int status, const char *code, const QString &message)
{
    return { std::nullopt, status, QByteArray(code), message };
}
} // namespace

EventPublisher::EventPublisher(Store &store, EventBus &bus, const StreamMetrics &metrics,
                               const Quotas *quotas)
    : m_store(store)
    , m_bus(bus)
    , m_metrics(metrics)
    , m_quotas(quotas)
{ }

std::variant<PromptEventAppend, EventPublisher::Result>
EventPublisher::prepare(const QString &promptId, EventType type, const QJsonValue &data) const
{
    // data: a JSON object; `done` may omit it.
    QJsonObject object;
    if (data.isObject()) {
        object = data.toObject();
    } else if (!(type == EventType::Done && (data.isUndefined() || data.isNull()))) {
        return failure(400, ErrorCode::validation, QStringLiteral("data must be a JSON object"));
    }
    const QByteArray json = QJsonDocument(object).toJson(QJsonDocument::Compact);
    if (json.size() > maxDataBytes)
        return failure(400, ErrorCode::validation,
                       QStringLiteral("data exceeds %1 bytes").arg(maxDataBytes));

    // One transaction: the event and the status it implies (`done` finishes the prompt, the
    // first event moves it from pending to running) commit together or not at all.
    EventAppend append { eventTypeName(type), json, PromptStatus::Running, PromptStatus::Pending,
                         PromptStatus::Done };
    if (type == EventType::Done) {
        append.newStatus = PromptStatus::Done;
        append.onlyFromStatus.reset();
    } else if (m_quotas) {
        append.maxEvents = m_quotas->limit(Quota::EventsPerPrompt);
        append.maxBytes = m_quotas->limit(Quota::BytesPerPrompt);
    }
    return PromptEventAppend { promptId, append };
}

EventPublisher::Result EventPublisher::publish(const QString &promptId, EventType type,
                                               const QJsonValue &data)
{
    Result result;
    enqueue(promptId, type, data, [&result](const Result &r) { result = r; });
    // Events queued earlier in this turn go first, in their order, in the same transaction.
    if (m_flushQueued)
        flush();
    return result;
}

void EventPublisher::enqueue(const QString &promptId, EventType type, const QJsonValue &data,
                             Completion done)
{
    auto prepared = prepare(promptId, type, data);
    if (auto *invalid = std::get_if<Result>(&prepared)) {
        done(*invalid);
        return;
    }
    m_queue.append(
        { std::get<PromptEventAppend>(std::move(prepared)), eventTypeName(type), std::move(done) });
    if (!m_flushQueued) {
        m_flushQueued = true;
        // Queued, not a timer: it runs after the events already delivered to this turn of the
        // loop (the other producers' requests read from their sockets) have joined the batch.
        QMetaObject::invokeMethod(
            &m_flushContext, [this] { flush(); }, Qt::QueuedConnection);
    }
}

void EventPublisher::flush()
{
    m_flushQueued = false;
    while (!m_queue.isEmpty()) {
        qsizetype count = 0;
        qsizetype bytes = 0;
        while (count < m_queue.size() && count < maxBatchEvents
               && (count == 0
                   || bytes + m_queue.at(count).append.event.jsonData.size() <= maxBatchBytes)) {
            bytes += m_queue.at(count).append.event.jsonData.size();
            ++count;
        }
        const QList<Pending> batch = m_queue.first(count);
        m_queue.remove(0, count);
        QList<PromptEventAppend> appends;
        appends.reserve(count);
        for (const Pending &pending : batch)
            appends.append(pending.append);
        const QList<AppendResult> stored = m_store.appendEvents(appends);
        if (std::any_of(stored.cbegin(), stored.cend(), [](const AppendResult &r) {
                return r.outcome == AppendResult::Outcome::Appended;
            }))
            m_metrics.eventsCommitted();
        // Durable first, then fan-out of the whole batch, then the answers.
        QList<Result> results;
        results.reserve(count);
        for (qsizetype i = 0; i < count; ++i)
            results.append(finishOne(batch.at(i), stored.at(i)));
        for (qsizetype i = 0; i < count; ++i)
            batch.at(i).done(results.at(i));
    }
}

EventPublisher::Result EventPublisher::finishOne(const Pending &pending, const AppendResult &stored)
{
    const QString &promptId = pending.append.promptId;
    switch (stored.outcome) {
    case AppendResult::Outcome::Appended:
        break;
    case AppendResult::Outcome::NoSuchPrompt:
        return failure(404, ErrorCode::notFound, QStringLiteral("prompt not found"));
    case AppendResult::Outcome::Refused:
        return failure(409, ErrorCode::conflict,
                       QStringLiteral("the prompt is finished (done); no more events"));
    case AppendResult::Outcome::OverEventQuota:
    case AppendResult::Outcome::OverByteQuota: {
        const Quota quota = stored.outcome == AppendResult::Outcome::OverEventQuota
            ? Quota::EventsPerPrompt
            : Quota::BytesPerPrompt;
        m_quotas->recordRejection(quota);
        return failure(Quotas::status, ErrorCode::quotaExceeded,
                       m_quotas->message(quota) + QStringLiteral("; the prompt still takes done"));
    }
    case AppendResult::Outcome::Failed:
        // Disk full, I/O error or lock timeout: nothing of the batch was stored (the transaction
        // rolled back), everything acknowledged before is intact. Retrying later is safe.
        qCWarning(lcStream, "prompt %s: %s event not stored (storage failure); answered 503",
                  qPrintable(promptId), qPrintable(pending.typeName));
        return failure(503, ErrorCode::serviceUnavailable,
                       QStringLiteral("the event could not be stored (the server's storage is "
                                      "full or failing); nothing was stored, retry later"));
    }
    const qint64 seq = stored.seq;
    m_metrics.eventAppended();
    // Framed once here, not once per subscriber.
    const QByteArray &json = pending.append.event.jsonData;
    m_bus.publish({ promptId, seq, pending.typeName, json,
                    SseFrame::event(seq, pending.typeName.toUtf8(), json) });
    return { seq, 201, {}, {} };
}

} // namespace Sluice::Server
