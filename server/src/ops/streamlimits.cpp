// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "ops/streamlimits.h"

#include "http/jsonreply.h"
#include "logging.h"
#include "metrics/metrics.h"

namespace Sluice::Server {

QHttpServerResponse StreamRejection::response() const
{
    return jsonError(status, code, message, retryAfter);
}

StreamLimits::StreamLimits(int maxStreamsPerUser, int maxStreams, std::chrono::seconds retryAfter,
                           Metrics *metrics)
    : m_maxPerUser(maxStreamsPerUser)
    , m_maxTotal(maxStreams)
    , m_retryAfter(retryAfter)
    , m_metrics(metrics)
{ }

std::optional<StreamRejection> StreamLimits::tryAcquire(const QString &userId)
{
    StreamRejection rejection;
    rejection.retryAfter = m_retryAfter;
    QByteArray reason;
    if (m_total >= m_maxTotal) {
        rejection.status = QHttpServerResponse::StatusCode::ServiceUnavailable;
        rejection.code = ErrorCode::serviceUnavailable;
        rejection.message = QStringLiteral("the server is at its limit of %1 open streams; "
                                           "retry later")
                                .arg(m_maxTotal);
        reason = QByteArrayLiteral("total_cap");
    } else if (m_perUser.value(userId) >= m_maxPerUser) {
        rejection.status = QHttpServerResponse::StatusCode::TooManyRequests;
        rejection.code = ErrorCode::rateLimited;
        rejection.message
            = QStringLiteral("too many open streams for this user (limit %1); close one or "
                             "retry later")
                  .arg(m_maxPerUser);
        reason = QByteArrayLiteral("user_cap");
    } else {
        ++m_total;
        ++m_perUser[userId];
        return std::nullopt;
    }
    qCInfo(lcOps, "stream refused: %s (%d open in total)", reason.constData(), m_total);
    if (m_metrics)
        m_metrics->increment("sluice_stream_rejections_total", { { "reason", reason } });
    return rejection;
}

void StreamLimits::release(const QString &userId)
{
    const auto it = m_perUser.find(userId);
    if (it == m_perUser.end()) {
        qCWarning(lcOps, "stream slot released twice or never taken");
        return;
    }
    if (--it.value() <= 0)
        m_perUser.erase(it);
    --m_total;
}

} // namespace Sluice::Server
