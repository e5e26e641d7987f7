// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <map>

namespace Sluice::LoadGen {

// Nanoseconds on CLOCK_MONOTONIC: the clock of every deadline and every latency the load
// generator measures (the server runs on the same machine, so send times embedded in events
// are comparable on arrival).
std::int64_t monotonicNs();

// A socket the loop watches; the loop calls back with the epoll event bits.
class Pollable
{
public:
    virtual ~Pollable() = default;
    virtual void onPollEvents(std::uint32_t events) = 0;
};

// A single-threaded epoll loop with one-shot timers, so the generator spends its time on
// sockets and parsing, not on a framework's bookkeeping (Qt's timer list is O(n) per restart,
// which is what the server is being measured on).
class EventLoop
{
public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    void watch(int fd, std::uint32_t events, Pollable *target);
    void rewatch(int fd, std::uint32_t events, Pollable *target);
    void unwatch(int fd);

    using TimerId = std::multimap<std::int64_t, std::function<void()>>::iterator;
    TimerId at(std::int64_t deadlineNs, std::function<void()> callback);
    void cancel(TimerId id);

    // Runs until done() is true (checked after every batch of events and timers) or the
    // deadline passes; returns done().
    bool runUntil(const std::function<bool()> &done, std::int64_t deadlineNs);

private:
    int m_epoll = -1;
    std::multimap<std::int64_t, std::function<void()>> m_timers;
};

} // namespace Sluice::LoadGen
