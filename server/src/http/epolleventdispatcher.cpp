// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/epolleventdispatcher.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QEvent>
#include <QtCore/QSocketNotifier>
#include <QtCore/QVarLengthArray>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace Sluice::Server {

namespace {

// What poll() reports to each kind of notifier in Qt's UNIX dispatcher, in epoll's terms.
constexpr quint32 readEvents = EPOLLIN | EPOLLHUP | EPOLLERR;
constexpr quint32 writeEvents = EPOLLOUT | EPOLLERR;
constexpr quint32 exceptionEvents = EPOLLPRI;

// UBSan's vptr check reads memory through a pipe the first time it meets a type: out of
// descriptors (the moment the listener must keep working) that fails and reports a false error.
// The events built here are plain Qt types, so the check is off for the two dispatch functions.
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define SLUICE_NO_SANITIZE_VPTR __attribute__((no_sanitize("vptr")))
#endif
#endif
#ifndef SLUICE_NO_SANITIZE_VPTR
#define SLUICE_NO_SANITIZE_VPTR
#endif

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    , m_wakeFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (m_epoll >= 0 && m_wakeFd >= 0) {
        epoll_event event {};
        event.events = EPOLLIN;
        event.data.fd = m_wakeFd;
        if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &event) != 0) {
            ::close(m_wakeFd);
            m_wakeFd = -1;
        }
    }
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const bool watched = m_notifiers.contains(fd);
    Notifiers &n = m_notifiers[fd];
    switch (notifier->type()) {
    case QSocketNotifier::Read:
        n.read = notifier;
        break;
    case QSocketNotifier::Write:
        n.write = notifier;
        break;
    case QSocketNotifier::Exception:
        n.exception = notifier;
        break;
    }
    updateInterest(fd, n, watched);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const auto it = m_notifiers.find(fd);
    if (it == m_notifiers.end())
        return;
    Notifiers &n = *it;
    if (n.read == notifier)
        n.read = nullptr;
    if (n.write == notifier)
        n.write = nullptr;
    if (n.exception == notifier)
        n.exception = nullptr;
    if (!n.read && !n.write && !n.exception) {
        m_notifiers.erase(it);
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr); // may already be gone with the fd
        return;
    }
    updateInterest(fd, n, true);
}

void EpollEventDispatcher::updateInterest(int fd, const Notifiers &notifiers, bool wasWatched)
{
    epoll_event event {};
    event.data.fd = fd;
    if (notifiers.read)
        event.events |= EPOLLIN;
    if (notifiers.write)
        event.events |= EPOLLOUT;
    if (notifiers.exception)
        event.events |= EPOLLPRI;
    // A descriptor closed and reused without its notifiers being unregistered first left epoll
    // on its own: whichever of ADD and MOD fails, the other one applies.
    int op = wasWatched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(m_epoll, op, fd, &event) != 0) {
        op = errno == ENOENT ? EPOLL_CTL_ADD : errno == EEXIST ? EPOLL_CTL_MOD : -1;
        if (op < 0 || epoll_ctl(m_epoll, op, fd, &event) != 0)
            qWarning("EpollEventDispatcher: cannot watch descriptor %d (errno %d)", fd, errno);
    }
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    unregisterTimer(timerId);
    Timer timer;
    timer.intervalMs = std::max<qint64>(0, interval);
    timer.type = timerType;
    timer.object = object;
    timer.scheduled
        = m_schedule.emplace(Clock::now() + std::chrono::milliseconds(timer.intervalMs), timerId);
    m_timers.insert(timerId, timer);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_schedule.erase(it->scheduled);
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->object == object) {
            m_schedule.erase(it->scheduled);
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> timers;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it) {
        if (it->object == object)
            timers.append(TimerInfo(it.key(), int(it->intervalMs), it->type));
    }
    return timers;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    const auto left
        = std::chrono::ceil<std::chrono::milliseconds>(it->scheduled->first - Clock::now());
    return int(std::max<qint64>(0, left.count()));
}

void EpollEventDispatcher::wakeUp()
{
    const std::uint64_t one = 1;
    // A full counter (EAGAIN) already means "awake": nothing is lost.
    [[maybe_unused]] const ssize_t written = ::write(m_wakeFd, &one, sizeof one);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted = true;
    wakeUp();
}

int EpollEventDispatcher::waitTimeoutMs() const
{
    if (m_schedule.empty())
        return -1;
    const auto left
        = std::chrono::ceil<std::chrono::milliseconds>(m_schedule.begin()->first - Clock::now());
    return int(std::clamp<qint64>(left.count(), 0, 24 * 3600 * 1000));
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted = false;
    Q_EMIT awake();
    QCoreApplication::sendPostedEvents();

    const bool wait = flags.testFlag(QEventLoop::WaitForMoreEvents) && !m_interrupted;
    const int timeout = wait ? waitTimeoutMs() : 0;
    if (wait)
        Q_EMIT aboutToBlock();
    epoll_event events[512];
    int ready = epoll_wait(m_epoll, events, int(std::size(events)), timeout);
    if (ready < 0)
        ready = 0; // EINTR: a signal (SIGTERM's notifier writes to a socket and wakes us again)
    if (m_interrupted)
        return false;

    int handled = 0;
    for (int i = 0; i < ready; ++i) {
        const int fd = events[i].data.fd;
        if (fd == m_wakeFd) {
            std::uint64_t count = 0;
            [[maybe_unused]] const ssize_t read = ::read(m_wakeFd, &count, sizeof count);
            continue;
        }
        if (flags.testFlag(QEventLoop::ExcludeSocketNotifiers))
            continue; // level-triggered: reported again once socket notifiers are allowed
        activate(fd, events[i].events);
        ++handled;
    }
    handled += activateTimers();
    return handled > 0;
}

SLUICE_NO_SANITIZE_VPTR void EpollEventDispatcher::activate(int fd, quint32 events)
{
    // A slot may unregister or delete any notifier, this descriptor's included: look it up again
    // before each activation.
    const auto notifierFor = [this, fd](QSocketNotifier *Notifiers::*kind) -> QSocketNotifier * {
        const auto it = m_notifiers.constFind(fd);
        return it == m_notifiers.cend() ? nullptr : (*it).*kind;
    };
    QEvent event(QEvent::SockAct);
    if (events & readEvents) {
        if (QSocketNotifier *n = notifierFor(&Notifiers::read))
            QCoreApplication::sendEvent(n, &event);
    }
    if (events & writeEvents) {
        if (QSocketNotifier *n = notifierFor(&Notifiers::write))
            QCoreApplication::sendEvent(n, &event);
    }
    if (events & exceptionEvents) {
        if (QSocketNotifier *n = notifierFor(&Notifiers::exception))
            QCoreApplication::sendEvent(n, &event);
    }
}

SLUICE_NO_SANITIZE_VPTR int EpollEventDispatcher::activateTimers()
{
    const Clock::time_point now = Clock::now();
    // The timers due now, taken before any fires: a timer started by a timer's slot (even with
    // interval 0) waits for the next turn of the loop, as in Qt's dispatchers.
    QVarLengthArray<int, 32> due;
    for (auto it = m_schedule.begin(); it != m_schedule.end() && it->first <= now; ++it)
        due.append(it->second);
    int fired = 0;
    for (const int id : due) {
        const auto it = m_timers.find(id);
        if (it == m_timers.end() || it->scheduled->first > now)
            continue; // stopped or restarted by an earlier slot
        Timer &timer = *it;
        Clock::time_point next = it->scheduled->first + std::chrono::milliseconds(timer.intervalMs);
        if (next <= now)
            next = now + std::chrono::milliseconds(timer.intervalMs);
        m_schedule.erase(timer.scheduled);
        timer.scheduled = m_schedule.emplace(next, id);
        QObject *object = timer.object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        ++fired;
    }
    return fired;
}

} // namespace Sluice::Server
