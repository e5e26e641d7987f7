// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "histogram.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QString>

#include <netinet/in.h>

#include <cstdint>
#include <vector>

namespace Sluice::LoadGen {

struct RunOptions
{
    QString scenario; // idle, fanout, prompts, storm, latency
    QString label; // which server this run measured, e.g. "sluice" or "reference"
    sockaddr_in server {}; // sign-in, prompts, stream tokens and every publish
    // Where the streams go, round robin (several instances of one cluster); empty: `server`.
    std::vector<sockaddr_in> streamServers;
    QByteArray user;
    QByteArray password;
    int streams = 1000;
    int prompts = 1;
    double eventsPerSecond = 100; // over all prompts
    double publishSeconds = 10;
    double holdSeconds = 0; // idle streams held (heartbeats only) before publishing
    int controlConnections = 16;
    double connectTimeoutSeconds = 10; // a stream not open by then counts as failed
    double drainSeconds = 5; // after the last publish, how long deliveries may still arrive
    int payloadBytes = 64;
    std::vector<int> serverPids; // for CPU and RSS, summed over all; empty = not measured
    int sourceAddresses = 0; // 127.0.0.1 .. 127.0.0.N; 0 = as many as the stream count needs
};

// What one run measured; toJson() is one line of the results file the report reads.
struct RunResult
{
    QString error; // set when the run could not be set up (login, prompts)
    int streamsWanted = 0;
    int streamsOpen = 0;
    int streamsFailed = 0;
    int streamsDropped = 0; // open streams the server closed before the end
    double connectSeconds = 0; // first token request to last stream open
    Histogram connectLatency; // per stream: token request to its first (connected) event
    std::int64_t heartbeats = 0;
    std::int64_t published = 0; // acknowledged by the server
    std::int64_t publishFailed = 0;
    Histogram publishLatency; // POST to its answer (the durability cost)
    std::int64_t expectedDeliveries = 0;
    std::int64_t deliveries = 0; // acknowledged events received, once each
    std::int64_t lost = 0;
    std::int64_t duplicated = 0;
    Histogram deliveryLatency; // publish request to arrival, per delivery
    Histogram lastSubscriberLatency; // publish request to its arrival at the last subscriber
    double deliverySeconds = 0; // first publish to last delivery
    double achievedEventsPerSecond = 0;
    std::int64_t rssBaselineKiB = 0;
    std::int64_t rssOpenKiB = 0; // after all streams opened (and the hold)
    std::int64_t rssPeakKiB = 0;
    double cpuConnectPercent = 0;
    double cpuHoldPercent = 0;
    double cpuPublishPercent = 0;
    double wallSeconds = 0;

    QJsonObject toJson(const RunOptions &options) const;
};

RunResult runLoad(const RunOptions &options);

} // namespace Sluice::LoadGen
