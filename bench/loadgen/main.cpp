// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-loadgen: an SSE load generator for sluice-server and the reference server of
// bench/reference-fastify. `run` signs in, creates prompts, mints a stream token per stream,
// opens the streams, publishes at a fixed rate and measures every delivery; it appends one JSON
// line of results to --out. `report` turns such a file into the Markdown table.
#include "loadrun.h"
#include "report.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QUrl>

#include <arpa/inet.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <type_traits>

using namespace Sluice::LoadGen;

namespace {

int fail(const QString &message)
{
    std::fprintf(stderr, "sluice-loadgen: %s\n", qPrintable(message));
    return 2;
}

// Every stream is a file descriptor: the soft limit goes up to the hard one (and the hard one
// up as far as the kernel allows when running as root).
void raiseFileLimit(int wanted)
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    if (limit.rlim_max < rlim_t(wanted)) {
        rlimit raised { rlim_t(wanted), rlim_t(wanted) };
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            return;
    }
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

// http://127.x.x.x:PORT only: the generator never loads anything beyond this machine.
bool loopbackAddress(const QString &text, sockaddr_in *address)
{
    const QUrl url(text);
    *address = {};
    address->sin_family = AF_INET;
    address->sin_port = htons(quint16(url.port()));
    return url.scheme() == u"http" && url.port() > 0
        && inet_pton(AF_INET, qPrintable(url.host()), &address->sin_addr) == 1
        && (ntohl(address->sin_addr.s_addr) >> 24) == 127;
}

int report(const QString &path, bool check)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    QList<QJsonObject> runs;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (!doc.isObject())
            return fail(
                QStringLiteral("%1: not a results line: %2").arg(path, error.errorString()));
        runs << doc.object();
    }
    if (check) {
        const QStringList problems = checkRuns(runs);
        for (const QString &problem : problems)
            std::fprintf(stderr, "sluice-loadgen: %s\n", qPrintable(problem));
        if (runs.isEmpty())
            return fail(QStringLiteral("%1 holds no runs").arg(path));
        return problems.isEmpty() ? 0 : 1;
    }
    std::fputs(qPrintable(markdownReport(runs)), stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sluice-loadgen"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "SSE load generator.\n  run     measure one scenario against a server (loopback "
        "only)\n  report FILE  print the Markdown table of a results file"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("run or report"));
    const QCommandLineOption url(
        QStringLiteral("url"),
        QStringLiteral("Server base URL (http://127.x.x.x:PORT): sign-in, prompts, stream tokens, "
                       "publishing, and the streams unless --stream-url is given."),
        QStringLiteral("url"));
    const QCommandLineOption streamUrl(
        QStringLiteral("stream-url"),
        QStringLiteral("Open the streams here instead, round robin when repeated (the instances of "
                       "one cluster; the report counts them)."),
        QStringLiteral("url"));
    const QCommandLineOption user(QStringLiteral("user"), QStringLiteral("User to sign in as."),
                                  QStringLiteral("name"));
    const QCommandLineOption passwordEnv(
        QStringLiteral("password-env"),
        QStringLiteral(
            "Environment variable holding the password (default SLUICE_LOADGEN_PASSWORD)."),
        QStringLiteral("name"), QStringLiteral("SLUICE_LOADGEN_PASSWORD"));
    const QCommandLineOption scenario(
        QStringLiteral("scenario"),
        QStringLiteral("idle, fanout, prompts, storm, latency or cluster (a label for the report; "
                       "the figures below shape the load)."),
        QStringLiteral("name"));
    const QCommandLineOption label(QStringLiteral("label"), QStringLiteral("sluice or reference."),
                                   QStringLiteral("label"), QStringLiteral("sluice"));
    const QCommandLineOption streams(QStringLiteral("streams"),
                                     QStringLiteral("SSE streams to open (default 1000)."),
                                     QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption prompts(
        QStringLiteral("prompts"),
        QStringLiteral("Prompts the streams are spread over (default 1)."), QStringLiteral("n"),
        QStringLiteral("1"));
    const QCommandLineOption rate(
        QStringLiteral("rate"),
        QStringLiteral("Events published per second over all prompts (default 100; 0 = none)."),
        QStringLiteral("n"), QStringLiteral("100"));
    const QCommandLineOption seconds(QStringLiteral("seconds"),
                                     QStringLiteral("How long to publish (default 10)."),
                                     QStringLiteral("s"), QStringLiteral("10"));
    const QCommandLineOption hold(
        QStringLiteral("hold"),
        QStringLiteral("Seconds to hold the open streams idle before publishing (default 0)."),
        QStringLiteral("s"), QStringLiteral("0"));
    const QCommandLineOption connectTimeout(
        QStringLiteral("connect-timeout"),
        QStringLiteral("Seconds after which a stream not yet open counts as failed (default 10)."),
        QStringLiteral("s"), QStringLiteral("10"));
    const QCommandLineOption control(
        QStringLiteral("control-connections"),
        QStringLiteral("Keep-alive connections for API calls (default 16)."), QStringLiteral("n"),
        QStringLiteral("16"));
    const QCommandLineOption payload(QStringLiteral("payload"),
                                     QStringLiteral("Padding bytes per event (default 64)."),
                                     QStringLiteral("bytes"), QStringLiteral("64"));
    const QCommandLineOption serverPid(
        QStringLiteral("server-pid"),
        QStringLiteral("The server's pid, for its CPU and RSS (repeated: the sum of all)."),
        QStringLiteral("pid"));
    const QCommandLineOption sources(
        QStringLiteral("source-addresses"),
        QStringLiteral("Spread streams over 127.0.0.1..127.0.0.N (default: as many as needed, 20 "
                       "000 streams each)."),
        QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption out(
        QStringLiteral("out"),
        QStringLiteral("Append the results line to this file (default: standard output)."),
        QStringLiteral("file"));
    const QCommandLineOption check(
        QStringLiteral("check"),
        QStringLiteral("report: print nothing, exit 1 if a Sluice run lost, duplicated or failed "
                       "anything, or any run erred."));
    parser.addOptions({ check, url, streamUrl, user, passwordEnv, scenario, label, streams, prompts,
                        rate, seconds, hold, connectTimeout, control, payload, serverPid, sources,
                        out });
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    if (args.value(0) == u"report") {
        if (args.size() != 2)
            return fail(QStringLiteral("report needs one results file"));
        return report(args.at(1), parser.isSet(check));
    }
    if (args.value(0) != u"run")
        return fail(QStringLiteral("unknown command; see --help"));

    RunOptions options;
    if (!loopbackAddress(parser.value(url), &options.server))
        return fail(QStringLiteral("--url must be http://127.x.x.x:PORT (loopback only)"));
    for (const QString &value : parser.values(streamUrl)) {
        sockaddr_in address {};
        if (!loopbackAddress(value, &address))
            return fail(
                QStringLiteral("--stream-url must be http://127.x.x.x:PORT (loopback only)"));
        options.streamServers.push_back(address);
    }
    options.scenario = parser.value(scenario);
    options.label = parser.value(label);
    options.user = parser.value(user).toUtf8();
    options.password = qgetenv(qPrintable(parser.value(passwordEnv)));
    if (options.scenario.isEmpty() || options.user.isEmpty() || options.password.isEmpty())
        return fail(QStringLiteral("--scenario, --user and a password in $%1 are required")
                        .arg(parser.value(passwordEnv)));
    bool ok = true;
    // A number option within [min, max]; otherwise says so and fails the run.
    const auto number = [&](const QCommandLineOption &o, auto min, auto max) {
        bool good = false;
        const double v = parser.value(o).toDouble(&good);
        if constexpr (std::is_integral_v<decltype(min)>)
            good = good && v == std::floor(v);
        if (!good || v < double(min) || v > double(max)) {
            ok = false;
            std::fprintf(stderr, "sluice-loadgen: --%s must be %g..%g\n",
                         qPrintable(o.names().first()), double(min), double(max));
        }
        return decltype(min)(v);
    };
    const auto integer = [&](const QCommandLineOption &o, int min, int max) {
        return number(o, min, max);
    };
    const auto real = [&](const QCommandLineOption &o, double min, double max) {
        return number(o, min, max);
    };
    options.streams = integer(streams, 0, 100000);
    options.prompts = integer(prompts, 1, 100000);
    options.eventsPerSecond = real(rate, 0, 1e6);
    options.publishSeconds = real(seconds, 0, 600);
    options.holdSeconds = real(hold, 0, 600);
    options.connectTimeoutSeconds = real(connectTimeout, 0.1, 600);
    options.controlConnections = integer(control, 1, 256);
    options.payloadBytes = integer(payload, 0, 1 << 20);
    for (const QString &value : parser.values(serverPid)) {
        bool good = false;
        const int pid = value.toInt(&good);
        if (!good || pid < 0)
            return fail(QStringLiteral("--server-pid must be a process id"));
        if (pid > 0)
            options.serverPids.push_back(pid);
    }
    options.sourceAddresses = integer(sources, 0, 250);
    if (!ok)
        return 2;
    raiseFileLimit(options.streams + options.controlConnections + 256);

    const RunResult result = runLoad(options);
    const QByteArray line
        = QJsonDocument(result.toJson(options)).toJson(QJsonDocument::Compact) + '\n';
    if (parser.isSet(out)) {
        QFile file(parser.value(out));
        if (!file.open(QIODevice::Append) || file.write(line) != line.size())
            return fail(
                QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    } else {
        std::fputs(line.constData(), stdout);
    }
    std::fprintf(stderr,
                 "sluice-loadgen %s/%s: %d/%d open in %.2f s, %lld published, %lld/%lld "
                 "delivered, %lld lost, %lld duplicated, delivery p99 %.2f ms%s%s\n",
                 qPrintable(options.label), qPrintable(options.scenario), result.streamsOpen,
                 options.streams, result.connectSeconds, static_cast<long long>(result.published),
                 static_cast<long long>(result.deliveries),
                 static_cast<long long>(result.expectedDeliveries),
                 static_cast<long long>(result.lost), static_cast<long long>(result.duplicated),
                 double(result.deliveryLatency.percentile(99)) / 1e6,
                 result.error.isEmpty() ? "" : ", error: ", qPrintable(result.error));
    return result.error.isEmpty() ? 0 : 1;
}
