// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// ConnectionDeadlines: per-connection deadlines kept in one hash table and checked by ONE coarse
// timer, instead of a QTimer per connection: the Listener's (idle, request head, closing grace,
// reject linger; keyed by socket) and, in StreamHub's own instance, every SseStream's (heartbeat,
// stall; keyed by stream). Qt keeps a thread's timers in a sorted list, so restarting a per-socket
// timer on every read and write costs O(number of timers); here arming or disarming a deadline is a
// hash lookup and a clock read, and each tick scans a dense table once (O(connections) per tick, a
// few times a second, nothing per event). A deadline fires once, on the first tick at or after it
// (late by at most one resolution), and is disarmed when it fires.
#pragma once

#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <array>
#include <chrono>
#include <unordered_map>
#include <vector>

namespace Sluice::Server {

class ConnectionDeadlines : public QObject
{
    Q_OBJECT
public:
    using Clock = std::chrono::steady_clock;
    enum class Kind : quint8 {
        Idle, // no traffic in either direction (--idle-timeout)
        RequestHead, // no complete request head (--request-timeout)
        Closing, // closing, but the peer does not take the rest of our output
        Linger, // a rejected or cut-off socket allowed to flush its short answer
        Heartbeat, // SseStream: the next heartbeat is due
        Stall, // SseStream: output waits and the socket took no byte since the deadline was armed
        Expiry, // SseStream: the credential that opened it expires (endAt)
    };
    static constexpr int kindCount = 7;

    // `resolution`: the tick interval while any socket is tracked.
    explicit ConnectionDeadlines(std::chrono::milliseconds resolution, QObject *parent = nullptr);

    // Keys (sockets, streams) are never dereferenced here. remove() before the key dies.
    void add(QObject *key);
    void remove(QObject *key);
    bool contains(QObject *key) const { return m_index.count(key) != 0; }
    qsizetype size() const { return qsizetype(m_entries.size()); }

    // (Re)arms `kind` to fire `in` from now; no-op for an untracked key.
    void arm(QObject *key, Kind kind, std::chrono::milliseconds in);
    void disarm(QObject *key, Kind kind);
    bool isArmed(QObject *key, Kind kind) const;

    std::chrono::milliseconds resolution() const { return m_resolution; }
    bool isTicking() const { return m_timer.isActive(); }

Q_SIGNALS:
    // Emitted after the scan, so handlers may arm, disarm or remove any key.
    void expired(QObject *key, Sluice::Server::ConnectionDeadlines::Kind kind);

private:
    struct Entry
    {
        explicit Entry(QObject *k)
            : key(k)
        {
            at.fill(Clock::time_point::max());
        }
        QObject *key;
        std::array<Clock::time_point, kindCount> at; // max(): not armed
    };

    void tick();
    Entry *find(QObject *key);
    const Entry *find(QObject *key) const;

    std::vector<Entry> m_entries; // dense, in no particular order
    std::unordered_map<QObject *, size_t> m_index; // key -> its entry in m_entries
    std::chrono::milliseconds m_resolution;
    QTimer m_timer;
};

} // namespace Sluice::Server
