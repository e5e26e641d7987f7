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

EventPublisher::Result EventPublisher::publish(const QString &promptId, EventType type,
                                               const QJsonValue &data)
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
    const AppendResult stored = m_store.appendEvent(promptId, append);
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
        // Disk full, I/O error or lock timeout: nothing was stored (the transaction rolled
        // back), everything acknowledged before is intact. Retrying later is safe.
        qCWarning(lcStream, "prompt %s: %s event not stored (storage failure); answered 503",
                  qPrintable(promptId), qPrintable(eventTypeName(type)));
        return failure(503, ErrorCode::serviceUnavailable,
                       QStringLiteral("the event could not be stored (the server's storage is "
                                      "full or failing); nothing was stored, retry later"));
    }
    const qint64 seq = stored.seq;
    m_metrics.eventAppended();
    // Durable first, then fan-out; framed once here, not once per subscriber.
    const QString typeName = eventTypeName(type);
    m_bus.publish({ promptId, seq, typeName, json, SseFrame::event(seq, typeName.toUtf8(), json) });
    return { seq, 201, {}, {} };
}

} // namespace Sluice::Server
