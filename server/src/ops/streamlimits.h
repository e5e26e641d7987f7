// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// StreamLimits: the stream caps. The stream route asks tryAcquire(userId) before it opens a
// stream and calls release(userId) exactly once when that stream ends.
//
// Over the per-user cap → 429 RATE_LIMITED, over the total cap → 503 SERVICE_UNAVAILABLE, both
// with Retry-After and the JSON error body. Refusals are counted in
// sluice_stream_rejections_total{reason}. The connection cap and the idle timeout of plain HTTP
// connections live in the Listener (--max-connections, --idle-timeout).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QString>
#include <QtHttpServer/QHttpServerResponse>

#include <chrono>
#include <optional>

namespace Sluice::Server {

class Metrics;

struct StreamRejection
{
    QHttpServerResponse::StatusCode status = QHttpServerResponse::StatusCode::TooManyRequests;
    QByteArray code; // ErrorCode::rateLimited or ErrorCode::serviceUnavailable
    QString message;
    std::chrono::seconds retryAfter { 1 };

    int httpStatus() const { return int(status); }
    // The complete JSON error reply (with Retry-After); CORS is added by the finisher.
    QHttpServerResponse response() const;
};

class StreamLimits
{
public:
    StreamLimits(int maxStreamsPerUser, int maxStreams, std::chrono::seconds retryAfter,
                 Metrics *metrics = nullptr);

    // Takes a slot for userId, or says why not (nothing is taken then).
    std::optional<StreamRejection> tryAcquire(const QString &userId);
    void release(const QString &userId);

    int openStreams() const { return m_total; }
    int openStreams(const QString &userId) const { return m_perUser.value(userId); }
    int maxStreamsPerUser() const { return m_maxPerUser; }
    int maxStreams() const { return m_maxTotal; }

private:
    int m_maxPerUser;
    int m_maxTotal;
    std::chrono::seconds m_retryAfter;
    Metrics *m_metrics;
    int m_total = 0;
    QHash<QString, int> m_perUser;
};

} // namespace Sluice::Server
