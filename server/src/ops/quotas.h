// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Quotas: the per-user and per-prompt limits (--max-sessions-per-user, --max-prompts-per-user,
// --max-events-per-prompt, --max-bytes-per-prompt), their names, and the one answer every route
// gives when one is reached: 403 QUOTA_EXCEEDED, a message naming the quota and its limit.
//
// The checks themselves run in the store, in the transaction of the insert or append they guard
// (Store::createSessionWithin / createPromptWithin, EventAppend::maxEvents / maxBytes), so
// concurrent requests cannot overshoot a quota. 403 rather than 429: waiting does not free a
// quota (deleting does, e.g. --retention), and clients that retry a 429 would retry forever.
// Refusals are counted in sluice_quota_rejections_total{quota}.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtHttpServer/QHttpServerResponse>

namespace Sluice::Server {

struct ServerConfig;
class Metrics;

enum class Quota {
    SessionsPerUser,
    PromptsPerUser,
    EventsPerPrompt,
    BytesPerPrompt,
};

class Quotas
{
public:
    explicit Quotas(const ServerConfig &config, Metrics *metrics = nullptr);

    // 0: unlimited.
    qint64 limit(Quota quota) const;

    // "quota exceeded: sessions per user (limit 1000)"
    QString message(Quota quota) const;
    // Counts the refusal; the caller answers with status() / ErrorCode::quotaExceeded / message.
    void recordRejection(Quota quota) const;
    // recordRejection + the complete JSON error reply.
    QHttpServerResponse rejection(Quota quota) const;

    static constexpr int status = 403;
    static QString name(Quota quota); // "sessions per user"
    static QByteArray label(Quota quota); // "sessions_per_user" (the metrics label)

private:
    qint64 m_sessionsPerUser;
    qint64 m_promptsPerUser;
    qint64 m_eventsPerPrompt;
    qint64 m_bytesPerPrompt;
    Metrics *m_metrics;
};

} // namespace Sluice::Server
