// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// EpollEventDispatcher: the server's main-thread event dispatcher, on Linux epoll. Qt's own
// dispatchers (glib, UNIX) hand every socket to poll() on every turn of the loop, so with
// thousands of held SSE streams each turn cost O(open sockets) in the kernel (`sock_poll`,
// `tcp_poll` led the profile of 10 000 streams) however little happened. epoll reports only the
// sockets that are ready. Socket notifiers keep Qt's semantics (level-triggered; read also on
// hang-up and error, write also on error); timers are kept in a deadline-ordered map. Installed by
// main() with QCoreApplication::setEventDispatcher (SLUICE_EVENT_DISPATCHER=qt keeps Qt's).
#pragma once

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QHash>

#include <atomic>
#include <chrono>
#include <map>

class QSocketNotifier;

namespace Sluice::Server {

class EpollEventDispatcher final : public QAbstractEventDispatcher
{
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;
    Q_DISABLE_COPY_MOVE(EpollEventDispatcher)

    // False when the kernel refused the epoll or eventfd descriptor (then use Qt's dispatcher).
    bool isValid() const { return m_epoll >= 0 && m_wakeFd >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

private:
    using Clock = std::chrono::steady_clock;

    struct Notifiers
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
    };
    struct Timer
    {
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        std::multimap<Clock::time_point, int>::iterator scheduled;
    };

    void updateInterest(int fd, const Notifiers &notifiers, bool wasWatched);
    void activate(int fd, quint32 events);
    int activateTimers();
    int waitTimeoutMs() const;

    int m_epoll = -1;
    int m_wakeFd = -1;
    std::atomic<bool> m_interrupted { false };
    QHash<int, Notifiers> m_notifiers; // by descriptor
    QHash<int, Timer> m_timers; // by timer id
    std::multimap<Clock::time_point, int> m_schedule; // due time -> timer id
};

} // namespace Sluice::Server
