// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// StreamHub: the registry of open SSE streams. Opens a PromptFeed for a route, remembers whose it
// is and which credential opened it, and ends streams from the outside: a user's streams on
// logout everywhere, one sign-in's streams on logout of that device, a stream at its end time (the
// access token's expiry, or the maximum lifetime of a stream-token stream), every stream on
// shutdown (drain). It also watches the store for revocations made elsewhere (`sluice-server user
// passwd/remove` in another process, another server instance): every revocationCheckInterval it
// ends the streams of removed users, of users whose tokensValidAfter mark moved past the token
// that opened the stream, and of revoked sign-ins.
#pragma once

#include "stream/ssestream.h"
#include "stream/streammetrics.h"

#include <QtCore/QDateTime>
#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <chrono>
#include <functional>

namespace Sluice::Server {

class EventBus;
class PromptFeed;
class Store;

// Who opened a stream, with what.
struct StreamOwner
{
    QString userId;
    QString familyId; // the sign-in (refresh family) of the token; empty when unknown
    QDateTime issuedAt; // the token's iat
};

class StreamHub : public QObject
{
    Q_OBJECT
public:
    StreamHub(Store &store, EventBus &bus, SseStream::Options options, QObject *parent = nullptr);
    ~StreamHub() override;

    const SseStream::Options &options() const { return m_options; }
    StreamMetrics &metrics() { return m_metrics; }

    // Starts feeding `stream` (ownership taken). `endsAt` valid: the stream is finished then.
    // `onClosed` runs once when the stream has closed (e.g. to release a cap slot).
    void open(SseStream *stream, const StreamOwner &owner, const QString &promptId,
              qint64 lastEventId, const QDateTime &endsAt = {},
              std::function<void()> onClosed = {});

    // Gracefully ends every open stream of the user (logout everywhere, refresh-token reuse).
    // Returns how many.
    int endStreamsForUser(const QString &userId, QByteArrayView reason);
    // Gracefully ends the streams opened with tokens of one sign-in (logout of that device).
    int endStreamsForFamily(const QString &familyId, QByteArrayView reason);

    // How often revocations made outside this process are looked for.
    static constexpr std::chrono::milliseconds defaultRevocationCheckInterval { 2000 };
    void setRevocationCheckInterval(std::chrono::milliseconds interval);
    // Looks for them now (also run by the timer); returns how many streams it ended.
    int checkRevocations();
    int openStreamCount() const { return int(m_feeds.size()); }
    int openStreamCount(const QString &userId) const;

    // Ends every stream with a final comment, then calls `done` once their output was flushed and
    // the connections closed, or after `timeout`. New open() calls are refused meanwhile.
    void drain(std::chrono::milliseconds timeout, std::function<void()> done);
    bool isDraining() const { return m_draining; }

private:
    struct Entry
    {
        StreamOwner owner;
        std::function<void()> onClosed;
    };
    int endMatching(const std::function<bool(const Entry &)> &match, QByteArrayView reason);

    Store &m_store;
    EventBus &m_bus;
    SseStream::Options m_options;
    // Heartbeat and stall deadlines of all streams: one coarse timer (m_options.deadlines).
    ConnectionDeadlines m_streamDeadlines;
    StreamMetrics m_metrics;
    QHash<PromptFeed *, Entry> m_feeds;
    QTimer *m_revocationTimer = nullptr;
    bool m_draining = false;
};

} // namespace Sluice::Server
