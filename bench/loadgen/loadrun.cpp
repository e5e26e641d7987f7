// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "loadrun.h"

#include "controlclient.h"
#include "eventloop.h"
#include "httpconnection.h"
#include "procstats.h"

#include <Sluice/Event.h>
#include <Sluice/SseParser.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <unordered_set>
#include <vector>

namespace Sluice::LoadGen {

namespace {

constexpr std::int64_t second = 1'000'000'000;

std::int64_t secondsToNs(double seconds)
{
    return std::int64_t(seconds * 1e9);
}

QByteArray jsonField(const QByteArray &body, const QString &name)
{
    const QJsonObject object = QJsonDocument::fromJson(body).object();
    const QJsonValue value = object.value(name);
    if (value.isString())
        return value.toString().toUtf8();
    if (value.isDouble())
        return QByteArray::number(qint64(value.toDouble()));
    return {};
}

// The bench event's publish number and send time, read straight from the data text the
// publisher wrote ({"n":N,"t":T,...}) instead of parsing JSON per delivery.
bool benchFields(QStringView data, qint64 *n, qint64 *t)
{
    const auto number = [&data](QStringView key, qint64 *out) {
        const qsizetype at = data.indexOf(key);
        if (at < 0)
            return false;
        qint64 value = 0;
        qsizetype i = at + key.size();
        bool any = false;
        for (; i < data.size() && data[i].isDigit(); ++i, any = true)
            value = value * 10 + data[i].digitValue();
        *out = value;
        return any;
    };
    return number(u"\"n\":", n) && number(u"\"t\":", t);
}

struct PromptState
{
    QByteArray path; // /api/claude-code/sessions/{sid}/prompts/{pid}
    std::unordered_set<qint64> acked; // ids the server acknowledged
};

struct Stream
{
    enum class State { Minting, Connecting, Open, Failed, Dropped };
    State state = State::Minting;
    int prompt = 0;
    std::int64_t startedNs = 0;
    std::unique_ptr<HttpConnection> connection;
    SseParser parser;
    qint64 lastId = 0;
    std::vector<qint64> receivedIds; // message ids, once each, in arrival order
};

struct EventTrack
{
    std::int64_t sentNs = 0;
    int prompt = 0;
    qint64 id = -1; // once acknowledged
    int arrivals = 0;
    std::int64_t lastArrivalNs = 0;
};

class Run
{
public:
    explicit Run(const RunOptions &options)
        : m_options(options)
        , m_control(m_loop, options.server, options.controlConnections)
    { }

    RunResult execute();

private:
    bool call(QByteArrayView method, const QByteArray &path, const QByteArray &body,
              int expectStatus, QByteArray *answer, const char *what);
    bool setUp();
    void openStreams();
    void openStream(int index, const QByteArray &token);
    void onEvent(Stream &stream, const Event &event);
    void publish();
    void sample(ProcSample *into);

    RunOptions m_options;
    RunResult m_result;
    EventLoop m_loop;
    ControlClient m_control;
    std::vector<PromptState> m_prompts;
    std::vector<std::unique_ptr<Stream>> m_streams;
    std::vector<EventTrack> m_events;
    int m_openCount = 0;
    int m_settled = 0; // open or failed
    std::int64_t m_lastOpenNs = 0;
    std::int64_t m_firstPublishNs = 0;
    std::int64_t m_lastDeliveryNs = 0;
    std::int64_t m_publishAnswers = 0;
    std::int64_t m_received = 0;
};

bool Run::call(QByteArrayView method, const QByteArray &path, const QByteArray &body,
               int expectStatus, QByteArray *answer, const char *what)
{
    bool done = false;
    ControlClient::Reply reply;
    m_control.request(method, path, body, [&](const ControlClient::Reply &r) {
        reply = r;
        done = true;
    });
    m_loop.runUntil([&] { return done; }, monotonicNs() + 60 * second);
    if (!done || reply.status != expectStatus) {
        m_result.error = QStringLiteral("%1: HTTP %2 %3")
                             .arg(QLatin1StringView(what))
                             .arg(reply.status)
                             .arg(QString::fromUtf8(reply.body.left(300)));
        return false;
    }
    *answer = reply.body;
    return true;
}

bool Run::setUp()
{
    QByteArray body;
    const QByteArray login
        = QJsonDocument(
              QJsonObject { { QStringLiteral("username"), QString::fromUtf8(m_options.user) },
                            { QStringLiteral("password"), QString::fromUtf8(m_options.password) } })
              .toJson(QJsonDocument::Compact);
    if (!call("POST", "/api/auth/login", login, 200, &body, "sign-in"))
        return false;
    m_control.setBearer(jsonField(body, QStringLiteral("accessToken")));
    if (!call("POST", "/api/claude-code/sessions", R"({"title":"loadgen"})", 201, &body,
              "create session"))
        return false;
    const QByteArray sessionPath
        = "/api/claude-code/sessions/" + jsonField(body, QStringLiteral("id"));
    // Prompts are created a window at a time so a thousand of them do not queue behind one
    // another for the whole time-out.
    m_prompts.resize(std::size_t(m_options.prompts));
    int answered = 0;
    bool failed = false;
    for (int i = 0; i < m_options.prompts; ++i) {
        m_control.request("POST", sessionPath + "/prompts", R"({"text":"loadgen"})",
                          [&, i](const ControlClient::Reply &reply) {
                              ++answered;
                              if (reply.status != 201) {
                                  if (!failed)
                                      m_result.error
                                          = QStringLiteral("create prompt: HTTP %1 %2")
                                                .arg(reply.status)
                                                .arg(QString::fromUtf8(reply.body.left(300)));
                                  failed = true;
                                  return;
                              }
                              m_prompts[std::size_t(i)].path = sessionPath + "/prompts/"
                                  + jsonField(reply.body, QStringLiteral("id"));
                          });
    }
    m_loop.runUntil([&] { return answered == m_options.prompts; }, monotonicNs() + 120 * second);
    if (answered < m_options.prompts && !failed)
        m_result.error = QStringLiteral("create prompts: time-out");
    return answered == m_options.prompts && !failed;
}

void Run::openStreams()
{
    const int count = m_options.streams;
    m_streams.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i) {
        auto stream = std::make_unique<Stream>();
        stream->prompt = i % m_options.prompts;
        stream->parser.setEventHandler(
            [this, s = stream.get()](const Event &event) { onEvent(*s, event); });
        stream->parser.setCommentHandler([this](QStringView) { ++m_result.heartbeats; });
        m_streams.push_back(std::move(stream));
    }
    const std::int64_t start = monotonicNs();
    for (int i = 0; i < count; ++i) {
        Stream &stream = *m_streams[std::size_t(i)];
        stream.startedNs = start;
        m_control.request("POST", m_prompts[std::size_t(stream.prompt)].path + "/stream-token", {},
                          [this, i](const ControlClient::Reply &reply) {
                              Stream &s = *m_streams[std::size_t(i)];
                              if (s.state != Stream::State::Minting)
                                  return;
                              const QByteArray token = reply.status == 200
                                  ? jsonField(reply.body, QStringLiteral("token"))
                                  : QByteArray();
                              if (token.isEmpty()) {
                                  s.state = Stream::State::Failed;
                                  ++m_settled;
                                  return;
                              }
                              openStream(i, token);
                          });
    }
    // A client gives up on a stream that is not open after the connect time-out.
    const std::int64_t giveUp = start + secondsToNs(m_options.connectTimeoutSeconds);
    m_loop.runUntil([&] { return m_settled == count; }, giveUp);
    for (auto &stream : m_streams) {
        if (stream->state == Stream::State::Minting || stream->state == Stream::State::Connecting) {
            stream->state = Stream::State::Failed;
            if (stream->connection)
                stream->connection->close("connect time-out");
            ++m_settled;
        }
    }
    m_result.streamsOpen = m_openCount;
    m_result.streamsFailed = count - m_openCount;
    m_result.connectSeconds = m_openCount > 0 ? double(m_lastOpenNs - start) / 1e9 : 0.0;
}

void Run::openStream(int index, const QByteArray &token)
{
    Stream &stream = *m_streams[std::size_t(index)];
    const int sources = m_options.sourceAddresses > 0
        ? m_options.sourceAddresses
        : std::max(1, (m_options.streams + m_options.controlConnections) / 20000 + 1);
    in_addr source {};
    source.s_addr
        = sources > 1 ? htonl(INADDR_LOOPBACK + std::uint32_t(index % sources)) : htonl(INADDR_ANY);
    const sockaddr_in &server = m_options.streamServers.empty()
        ? m_options.server
        : m_options.streamServers[std::size_t(index) % m_options.streamServers.size()];
    stream.connection = std::make_unique<HttpConnection>(m_loop, server, source);
    stream.state = Stream::State::Connecting;
    HttpConnection &connection = *stream.connection;
    connection.onHead = [this, &stream](const HttpConnection::Head &head) {
        if (head.status != 200 && stream.state == Stream::State::Connecting) {
            stream.state = Stream::State::Failed;
            ++m_settled;
            stream.connection->close("refused");
        }
    };
    connection.onBody = [&stream](const char *data, std::size_t size) {
        stream.parser.feed(QByteArrayView(data, qsizetype(size)));
    };
    connection.onClosed = [this, &stream](const char *) {
        if (stream.state == Stream::State::Connecting) {
            stream.state = Stream::State::Failed;
            ++m_settled;
        } else if (stream.state == Stream::State::Open) {
            stream.state = Stream::State::Dropped;
            ++m_result.streamsDropped;
        }
    };
    if (!connection.open()) {
        stream.state = Stream::State::Failed;
        ++m_settled;
        return;
    }
    connection.send("GET " + m_prompts[std::size_t(stream.prompt)].path + "/stream?stream_token="
                    + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
}

void Run::onEvent(Stream &stream, const Event &event)
{
    const std::int64_t now = monotonicNs();
    if (stream.state == Stream::State::Connecting) {
        // The first event (Sluice's and the reference's `connected`) is the stream being open.
        stream.state = Stream::State::Open;
        ++m_openCount;
        ++m_settled;
        m_lastOpenNs = now;
        m_result.connectLatency.record(now - stream.startedNs);
    }
    if (event.type() != u"message")
        return;
    const qint64 id = event.lastEventId().toLongLong();
    if (id <= stream.lastId) {
        ++m_result.duplicated;
        return;
    }
    stream.lastId = id;
    qint64 n = 0, t = 0;
    if (!benchFields(event.data(), &n, &t) || n < 0 || n >= qint64(m_events.size()))
        return;
    EventTrack &track = m_events[std::size_t(n)];
    m_result.deliveryLatency.record(now - t);
    ++track.arrivals;
    track.lastArrivalNs = now;
    m_lastDeliveryNs = now;
    ++m_received;
    // Counted against the acknowledged ids only at the end: a delivery may overtake the
    // answer to its own publish.
    stream.receivedIds.push_back(id);
}

// Several instances count as one server: their CPU time and memory added up.
void Run::sample(ProcSample *into)
{
    if (m_options.serverPids.empty())
        return;
    ProcSample total;
    for (const int pid : m_options.serverPids) {
        const auto s = sampleProcess(pid);
        if (!s)
            return;
        total.atNs = s->atNs;
        total.cpuSeconds += s->cpuSeconds;
        total.rssKiB += s->rssKiB;
    }
    *into = total;
    m_result.rssPeakKiB = std::max(m_result.rssPeakKiB, total.rssKiB);
}

void Run::publish()
{
    const auto total
        = std::int64_t(std::llround(m_options.eventsPerSecond * m_options.publishSeconds));
    m_events.resize(std::size_t(std::max<std::int64_t>(total, 0)));
    const std::int64_t interval = std::int64_t(1e9 / std::max(0.001, m_options.eventsPerSecond));
    const QByteArray pad(std::max(0, m_options.payloadBytes), 'x');
    std::int64_t next = 0;
    m_firstPublishNs = monotonicNs();
    // Publishes go out on a fixed schedule (not one after the other's answer), so a slow
    // answer shows as latency, not as a lower offered rate.
    std::function<void()> tick = [&] {
        const std::int64_t now = monotonicNs();
        while (next < total && m_firstPublishNs + next * interval <= now) {
            const std::int64_t n = next++;
            EventTrack &track = m_events[std::size_t(n)];
            track.sentNs = monotonicNs();
            track.prompt = int(n % m_options.prompts);
            const QByteArray body = "{\"type\":\"message\",\"data\":{\"n\":" + QByteArray::number(n)
                + ",\"t\":" + QByteArray::number(track.sentNs) + ",\"pad\":\"" + pad + "\"}}";
            m_control.request("POST", m_prompts[std::size_t(track.prompt)].path + "/events", body,
                              [this, n](const ControlClient::Reply &reply) {
                                  EventTrack &tr = m_events[std::size_t(n)];
                                  ++m_publishAnswers;
                                  const QByteArray id = reply.status == 200 || reply.status == 201
                                      ? jsonField(reply.body, QStringLiteral("id"))
                                      : QByteArray();
                                  if (id.isEmpty()) {
                                      ++m_result.publishFailed;
                                      return;
                                  }
                                  tr.id = id.toLongLong();
                                  m_prompts[std::size_t(tr.prompt)].acked.insert(tr.id);
                                  ++m_result.published;
                                  m_result.publishLatency.record(reply.answeredNs - tr.sentNs);
                              });
        }
        if (next < total)
            m_loop.at(m_firstPublishNs + next * interval, tick);
    };
    tick();
    ProcSample before, after;
    sample(&before);
    m_loop.runUntil([&] { return m_publishAnswers == total; },
                    m_firstPublishNs + secondsToNs(m_options.publishSeconds + 30));
    // Deliveries still on their way: until every acknowledged event reached every open stream,
    // or the drain time passes.
    const auto expected = [&] {
        std::int64_t sum = 0;
        for (const auto &stream : m_streams) {
            if (stream->state == Stream::State::Open || stream->state == Stream::State::Dropped)
                sum += std::int64_t(m_prompts[std::size_t(stream->prompt)].acked.size());
        }
        return sum;
    };
    const std::int64_t expectedNow = expected();
    std::int64_t lastCheck = 0;
    m_loop.runUntil(
        [&] {
            const std::int64_t now = monotonicNs();
            if (now - lastCheck < 10'000'000)
                return false;
            lastCheck = now;
            return m_received >= expectedNow;
        },
        monotonicNs() + secondsToNs(m_options.drainSeconds));
    sample(&after);
    m_result.cpuPublishPercent = cpuPercent(before, after);
    m_result.expectedDeliveries = expectedNow;
    for (const auto &stream : m_streams) {
        const auto &acked = m_prompts[std::size_t(stream->prompt)].acked;
        for (const qint64 id : stream->receivedIds)
            m_result.deliveries += acked.count(id) ? 1 : 0;
    }
    m_result.lost = std::max<std::int64_t>(0, expectedNow - m_result.deliveries);
    m_result.deliverySeconds = m_lastDeliveryNs > m_firstPublishNs
        ? double(m_lastDeliveryNs - m_firstPublishNs) / 1e9
        : 0.0;
    const double publishWall = double(monotonicNs() - m_firstPublishNs) / 1e9;
    m_result.achievedEventsPerSecond = publishWall > 0 ? double(m_result.published)
            / std::min(publishWall, m_options.publishSeconds + m_result.deliverySeconds)
                                                       : 0.0;
    // How long each event took to reach the last of the subscribers open for its prompt.
    std::vector<int> openPerPrompt(std::size_t(m_options.prompts), 0);
    for (const auto &stream : m_streams) {
        if (stream->state == Stream::State::Open)
            ++openPerPrompt[std::size_t(stream->prompt)];
    }
    for (const EventTrack &track : m_events) {
        if (track.id >= 0 && track.arrivals > 0
            && track.arrivals >= openPerPrompt[std::size_t(track.prompt)])
            m_result.lastSubscriberLatency.record(track.lastArrivalNs - track.sentNs);
    }
}

RunResult Run::execute()
{
    const std::int64_t start = monotonicNs();
    m_result.streamsWanted = m_options.streams;
    if (!setUp())
        return m_result;
    ProcSample baseline, opened, held;
    sample(&baseline);
    m_result.rssBaselineKiB = baseline.rssKiB;
    openStreams();
    sample(&opened);
    m_result.cpuConnectPercent = cpuPercent(baseline, opened);
    if (m_options.holdSeconds > 0) {
        // Idle: nothing but heartbeats flows; the loop keeps reading them.
        m_loop.runUntil([] { return false; }, monotonicNs() + secondsToNs(m_options.holdSeconds));
        sample(&held);
        m_result.cpuHoldPercent = cpuPercent(opened, held);
        opened = held;
    }
    m_result.rssOpenKiB = opened.rssKiB;
    if (m_options.publishSeconds > 0 && m_options.eventsPerSecond > 0)
        publish();
    m_result.wallSeconds = double(monotonicNs() - start) / 1e9;
    return m_result;
}

QJsonObject histogramJson(const Histogram &h)
{
    const auto ms = [](std::int64_t ns) {
        return double(ns) / 1e6;
    };
    return { { QStringLiteral("count"), qint64(h.count()) },
             { QStringLiteral("p50_ms"), ms(h.percentile(50)) },
             { QStringLiteral("p99_ms"), ms(h.percentile(99)) },
             { QStringLiteral("p999_ms"), ms(h.percentile(99.9)) },
             { QStringLiteral("max_ms"), ms(h.max()) } };
}

} // namespace

QJsonObject RunResult::toJson(const RunOptions &o) const
{
    const int open = std::max(1, streamsOpen);
    return {
        { QStringLiteral("scenario"), o.scenario },
        { QStringLiteral("label"), o.label },
        { QStringLiteral("error"), error },
        { QStringLiteral("streams"), o.streams },
        { QStringLiteral("prompts"), o.prompts },
        { QStringLiteral("events_per_second"), o.eventsPerSecond },
        { QStringLiteral("publish_seconds"), o.publishSeconds },
        { QStringLiteral("hold_seconds"), o.holdSeconds },
        { QStringLiteral("instances"), qint64(std::max<std::size_t>(1, o.streamServers.size())) },
        { QStringLiteral("streams_open"), streamsOpen },
        { QStringLiteral("streams_failed"), streamsFailed },
        { QStringLiteral("streams_dropped"), streamsDropped },
        { QStringLiteral("connect_seconds"), connectSeconds },
        { QStringLiteral("connect_latency"), histogramJson(connectLatency) },
        { QStringLiteral("heartbeats"), qint64(heartbeats) },
        { QStringLiteral("published"), qint64(published) },
        { QStringLiteral("publish_failed"), qint64(publishFailed) },
        { QStringLiteral("achieved_events_per_second"), achievedEventsPerSecond },
        { QStringLiteral("publish_latency"), histogramJson(publishLatency) },
        { QStringLiteral("expected_deliveries"), qint64(expectedDeliveries) },
        { QStringLiteral("deliveries"), qint64(deliveries) },
        { QStringLiteral("lost"), qint64(lost) },
        { QStringLiteral("duplicated"), qint64(duplicated) },
        { QStringLiteral("deliveries_per_second"),
          deliverySeconds > 0 ? double(deliveries) / deliverySeconds : 0.0 },
        { QStringLiteral("delivery_latency"), histogramJson(deliveryLatency) },
        { QStringLiteral("last_subscriber_latency"), histogramJson(lastSubscriberLatency) },
        { QStringLiteral("rss_baseline_kib"), qint64(rssBaselineKiB) },
        { QStringLiteral("rss_open_kib"), qint64(rssOpenKiB) },
        { QStringLiteral("rss_peak_kib"), qint64(rssPeakKiB) },
        { QStringLiteral("rss_per_stream_kib"),
          !o.serverPids.empty() ? double(rssOpenKiB - rssBaselineKiB) / open : 0.0 },
        { QStringLiteral("cpu_connect_percent"), cpuConnectPercent },
        { QStringLiteral("cpu_hold_percent"), cpuHoldPercent },
        { QStringLiteral("cpu_publish_percent"), cpuPublishPercent },
        { QStringLiteral("wall_seconds"), wallSeconds },
    };
}

RunResult runLoad(const RunOptions &options)
{
    Run run(options);
    return run.execute();
}

} // namespace Sluice::LoadGen
