// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "ops/quotas.h"

#include "config/serverconfig.h"
#include "http/jsonreply.h"
#include "metrics/metrics.h"

namespace Sluice::Server {

Quotas::Quotas(const ServerConfig &config, Metrics *metrics)
    : m_sessionsPerUser(config.maxSessionsPerUser)
    , m_promptsPerUser(config.maxPromptsPerUser)
    , m_eventsPerPrompt(config.maxEventsPerPrompt)
    , m_bytesPerPrompt(config.maxBytesPerPrompt)
    , m_metrics(metrics)
{ }

qint64 Quotas::limit(Quota quota) const
{
    switch (quota) {
    case Quota::SessionsPerUser:
        return m_sessionsPerUser;
    case Quota::PromptsPerUser:
        return m_promptsPerUser;
    case Quota::EventsPerPrompt:
        return m_eventsPerPrompt;
    case Quota::BytesPerPrompt:
        return m_bytesPerPrompt;
    }
    return 0;
}

QString Quotas::name(Quota quota)
{
    switch (quota) {
    case Quota::SessionsPerUser:
        return QStringLiteral("sessions per user");
    case Quota::PromptsPerUser:
        return QStringLiteral("prompts per user");
    case Quota::EventsPerPrompt:
        return QStringLiteral("events per prompt");
    case Quota::BytesPerPrompt:
        return QStringLiteral("bytes of event data per prompt");
    }
    return {};
}

QByteArray Quotas::label(Quota quota)
{
    switch (quota) {
    case Quota::SessionsPerUser:
        return QByteArrayLiteral("sessions_per_user");
    case Quota::PromptsPerUser:
        return QByteArrayLiteral("prompts_per_user");
    case Quota::EventsPerPrompt:
        return QByteArrayLiteral("events_per_prompt");
    case Quota::BytesPerPrompt:
        return QByteArrayLiteral("bytes_per_prompt");
    }
    return {};
}

QString Quotas::message(Quota quota) const
{
    return QStringLiteral("quota exceeded: %1 (limit %2)").arg(name(quota)).arg(limit(quota));
}

void Quotas::recordRejection(Quota quota) const
{
    if (m_metrics)
        m_metrics->increment("sluice_quota_rejections_total", { { "quota", label(quota) } });
}

QHttpServerResponse Quotas::rejection(Quota quota) const
{
    recordRejection(quota);
    return jsonError(QHttpServerResponse::StatusCode(status), ErrorCode::quotaExceeded,
                     message(quota));
}

} // namespace Sluice::Server
