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

void ConnectionDeadlines::add(QTcpSocket *socket)
{
    m_entries.try_emplace(socket);
    if (!m_timer.isActive())
        m_timer.start();
}

void ConnectionDeadlines::remove(QTcpSocket *socket)
{
    m_entries.erase(socket);
    if (m_entries.empty())
        m_timer.stop();
}

void ConnectionDeadlines::arm(QTcpSocket *socket, Kind kind, std::chrono::milliseconds in)
{
    const auto it = m_entries.find(socket);
    if (it != m_entries.end())
        it->second.at[size_t(kind)] = Clock::now() + in;
}

void ConnectionDeadlines::disarm(QTcpSocket *socket, Kind kind)
{
    const auto it = m_entries.find(socket);
    if (it != m_entries.end())
        it->second.at[size_t(kind)] = Clock::time_point::max();
}

bool ConnectionDeadlines::isArmed(QTcpSocket *socket, Kind kind) const
{
    const auto it = m_entries.find(socket);
    return it != m_entries.end() && it->second.at[size_t(kind)] != Clock::time_point::max();
}

void ConnectionDeadlines::tick()
{
    const Clock::time_point now = Clock::now();
    QList<QPair<QTcpSocket *, Kind>> due;
    for (auto &[socket, entry] : m_entries) {
        for (size_t k = 0; k < entry.at.size(); ++k) {
            if (entry.at[k] <= now) {
                entry.at[k] = Clock::time_point::max();
                due.append({ socket, Kind(k) });
            }
        }
    }
    // Handlers may close sockets, which removes them (and possibly later entries of `due`).
    for (const auto &[socket, kind] : std::as_const(due)) {
        if (contains(socket))
            Q_EMIT expired(socket, kind);
    }
}

} // namespace Sluice::Server
