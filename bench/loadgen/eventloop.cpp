// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "eventloop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>

namespace Sluice::LoadGen {

std::int64_t monotonicNs()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

EventLoop::EventLoop()
    : m_epoll(epoll_create1(EPOLL_CLOEXEC))
{
    if (m_epoll < 0)
        throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

EventLoop::~EventLoop()
{
    ::close(m_epoll);
}

void EventLoop::watch(int fd, std::uint32_t events, Pollable *target)
{
    epoll_event ev {};
    ev.events = events;
    ev.data.ptr = target;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0)
        throw std::runtime_error(std::string("epoll_ctl(ADD): ") + std::strerror(errno));
}

void EventLoop::rewatch(int fd, std::uint32_t events, Pollable *target)
{
    epoll_event ev {};
    ev.events = events;
    ev.data.ptr = target;
    if (epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev) != 0)
        throw std::runtime_error(std::string("epoll_ctl(MOD): ") + std::strerror(errno));
}

void EventLoop::unwatch(int fd)
{
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::at(std::int64_t deadlineNs, std::function<void()> callback)
{
    return m_timers.emplace(deadlineNs, std::move(callback));
}

void EventLoop::cancel(TimerId id)
{
    m_timers.erase(id);
}

bool EventLoop::runUntil(const std::function<bool()> &done, std::int64_t deadlineNs)
{
    constexpr int batch = 512;
    epoll_event events[batch];
    while (!done()) {
        const std::int64_t now = monotonicNs();
        if (now >= deadlineNs)
            break;
        std::int64_t wake = deadlineNs;
        if (!m_timers.empty())
            wake = std::min(wake, m_timers.begin()->first);
        // Round up so a timer is never polled for with a 0 ms timeout in a busy loop.
        const int timeoutMs = int(std::max<std::int64_t>(0, (wake - now + 999'999) / 1'000'000));
        const int n = epoll_wait(m_epoll, events, batch, timeoutMs);
        if (n < 0 && errno != EINTR)
            throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
        for (int i = 0; i < n; ++i)
            static_cast<Pollable *>(events[i].data.ptr)->onPollEvents(events[i].events);
        const std::int64_t after = monotonicNs();
        while (!m_timers.empty() && m_timers.begin()->first <= after) {
            auto callback = std::move(m_timers.begin()->second);
            m_timers.erase(m_timers.begin());
            callback();
        }
    }
    return done();
}

} // namespace Sluice::LoadGen
