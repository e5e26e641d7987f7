// EventPublisher: the ONLY way events enter a prompt. Validates type and shape, appends to the
// durable log (Store::appendEvent) BEFORE fan-out, then publishes on the bus. After `done` the
// prompt is finished (status "done") and further events are refused with 409 CONFLICT.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>

namespace Sluice::Server {

class EventBus;
class Store;
class StreamMetrics;

class EventPublisher
{
public:
    struct Result
    {
        std::optional<qint64> id; // set on success
        int httpStatus = 0; // 201 on success; 400, 404, 409 or 500 otherwise
        QByteArray code; // ErrorCode on failure
        QString message;
    };

    EventPublisher(Store &store, EventBus &bus, const StreamMetrics &metrics);

    Result publish(const QString &promptId, const QString &type, const QJsonValue &data);

    static const QStringList &eventTypes(); // message, tool_use, tool_result, status, error, done
    static inline const QString finishedStatus = QStringLiteral("done");
    static constexpr qsizetype maxDataBytes = 1 << 20;

private:
    Store &m_store;
    EventBus &m_bus;
    const StreamMetrics &m_metrics;
};

} // namespace Sluice::Server
