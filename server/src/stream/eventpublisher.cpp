#include "stream/eventpublisher.h"

#include "bus/eventbus.h"
#include "http/jsonreply.h"
#include "store/store.h"
#include "stream/streamlogging.h"
#include "stream/streammetrics.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace Sluice::Server {

namespace {
EventPublisher::Result failure(int status, const char *code, const QString &message)
{
    return { std::nullopt, status, QByteArray(code), message };
}
} // namespace

EventPublisher::EventPublisher(Store &store, EventBus &bus, const StreamMetrics &metrics)
    : m_store(store)
    , m_bus(bus)
    , m_metrics(metrics)
{ }

const QStringList &EventPublisher::eventTypes()
{
    static const QStringList types { QStringLiteral("message"),     QStringLiteral("tool_use"),
                                     QStringLiteral("tool_result"), QStringLiteral("status"),
                                     QStringLiteral("error"),       QStringLiteral("done") };
    return types;
}

EventPublisher::Result EventPublisher::publish(const QString &promptId, const QString &type,
                                               const QJsonValue &data)
{
    if (!eventTypes().contains(type)) {
        return failure(
            400, ErrorCode::validation,
            QStringLiteral("type must be one of: %1").arg(eventTypes().join(QStringLiteral(", "))));
    }
    // data: a JSON object; `done` may omit it.
    QJsonObject object;
    if (data.isObject()) {
        object = data.toObject();
    } else if (!(type == u"done" && (data.isUndefined() || data.isNull()))) {
        return failure(400, ErrorCode::validation, QStringLiteral("data must be a JSON object"));
    }
    const QByteArray json = QJsonDocument(object).toJson(QJsonDocument::Compact);
    if (json.size() > maxDataBytes)
        return failure(400, ErrorCode::validation,
                       QStringLiteral("data exceeds %1 bytes").arg(maxDataBytes));

    const auto prompt = m_store.prompt(promptId);
    if (!prompt)
        return failure(404, ErrorCode::notFound, QStringLiteral("prompt not found"));
    if (prompt->status == finishedStatus)
        return failure(409, ErrorCode::conflict,
                       QStringLiteral("the prompt is finished (done); no more events"));

    const auto seq = m_store.appendEvent(promptId, type, json);
    if (!seq)
        return failure(500, ErrorCode::internal, QStringLiteral("could not store the event"));
    m_metrics.eventAppended();
    if (type == u"done") {
        if (!m_store.setPromptStatus(promptId, finishedStatus))
            qCWarning(lcStream, "prompt %s: could not mark it done", qPrintable(promptId));
    } else if (prompt->status == u"pending") {
        m_store.setPromptStatus(promptId, QStringLiteral("running"));
    }
    // Durable first, then fan-out.
    m_bus.publish({ promptId, *seq, type, json });
    return { seq, 201, {}, {} };
}

} // namespace Sluice::Server
