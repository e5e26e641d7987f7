// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/connectiondeadlines.h"

#include <QtCore/QList>
#include <QtCore/QPair>

namespace Sluice::Server {

ConnectionDeadlines::ConnectionDeadlines(std::chrono::milliseconds resolution, QObject *parent)
    : QObject(parent)
    , m_resolution(resolution)
{
    // Coarse: the kernel may batch the wake-ups; deadlines are late by at most one resolution.
    m_timer.setTimerType(Qt::CoarseTimer);
    m_timer.setInterval(m_resolution);
    connect(&m_timer, &QTimer::timeout, this, &ConnectionDeadlines::tick);
}

void ConnectionDeadlines::add(QObject *key)
{
    m_entries.try_emplace(key);
    if (!m_timer.isActive())
        m_timer.start();
}

void ConnectionDeadlines::remove(QObject *key)
{
    m_entries.erase(key);
    if (m_entries.empty())
        m_timer.stop();
}

void ConnectionDeadlines::arm(QObject *key, Kind kind, std::chrono::milliseconds in)
{
    const auto it = m_entries.find(key);
    if (it != m_entries.end())
        it->second.at[size_t(kind)] = Clock::now() + in;
}

void ConnectionDeadlines::disarm(QObject *key, Kind kind)
{
    const auto it = m_entries.find(key);
    if (it != m_entries.end())
        it->second.at[size_t(kind)] = Clock::time_point::max();
}

bool ConnectionDeadlines::isArmed(QObject *key, Kind kind) const
{
    const auto it = m_entries.find(key);
    return it != m_entries.end() && it->second.at[size_t(kind)] != Clock::time_point::max();
}

void ConnectionDeadlines::tick()
{
    const Clock::time_point now = Clock::now();
    QList<QPair<QObject *, Kind>> due;
    for (auto &[key, entry] : m_entries) {
        for (size_t k = 0; k < entry.at.size(); ++k) {
            if (entry.at[k] <= now) {
                entry.at[k] = Clock::time_point::max();
                due.append({ key, Kind(k) });
            }
        }
    }
    // Handlers may close connections, which removes them (and possibly later entries of `due`).
    for (const auto &[key, kind] : std::as_const(due)) {
        if (contains(key))
            Q_EMIT expired(key, kind);
    }
}

} // namespace Sluice::Server
