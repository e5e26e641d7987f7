// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "streamoptions.h"

#include <QtCore/QCommandLineOption>
#include <QtCore/QCommandLineParser>
#include <QtCore/QFile>

#include <cmath>
#include <cstdio>
#include <type_traits>

using namespace std::chrono;

namespace SluiceStream {

namespace {

const char *const descriptionText
    = "Connects to a Server-Sent Events stream and prints its events.\n"
      "Events go to stdout (one per block, or one JSON object per line\n"
      "with --json), flushed per event. Comments and state changes\n"
      "(connecting, open, reconnecting, errors, exit) go to stderr, as\n"
      "JSON lines with --json. Header values are never logged.";

const char *const exitCodesText
    = "\nExit codes:\n"
      "  0    --max-events reached, or the server answered 204 (stop)\n"
      "  1    internal error\n"
      "  2    usage error (bad option or value, unreadable --data file)\n"
      "  3    HTTP 401 or 403 (authentication/authorisation failed)\n"
      "  4    other HTTP failure: status that does not open a stream,\n"
      "       wrong Content-Type, too many redirects\n"
      "  5    network failure or end of stream with --no-reconnect, or\n"
      "       retries exhausted (--max-retries, --retry-budget)\n"
      "  6    --timeout elapsed\n"
      "  7    a line or event exceeded --max-line-bytes/--max-event-bytes\n"
      "  130  interrupted (SIGINT), 143 terminated (SIGTERM)\n";

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(const QByteArray &text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

std::optional<qint64> parseCount(const QString &text, qint64 minimum)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < minimum)
        return std::nullopt;
    return value;
}

std::optional<QByteArray> readBody(const QString &spec, QString *error)
{
    if (!spec.startsWith(QLatin1Char('@')))
        return spec.toUtf8();
    const QString path = spec.mid(1);
    QFile file;
    const bool opened = path == QLatin1String("-")
        ? file.open(stdin, QIODevice::ReadOnly)
        : (file.setFileName(path), file.open(QIODevice::ReadOnly));
    if (!opened) {
        *error = QStringLiteral("cannot read --data file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return file.readAll();
}

} // namespace

std::optional<QPair<QByteArray, QByteArray>> parseHeader(const QString &text)
{
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return std::nullopt;
    const QByteArray name = text.left(colon).trimmed().toUtf8();
    const QByteArray value = text.mid(colon + 1).trimmed().toUtf8();
    if (!isToken(name) || value.contains('\r') || value.contains('\n') || value.contains('\0'))
        return std::nullopt;
    return qMakePair(name, value);
}

std::optional<milliseconds> parseSeconds(const QString &text, bool allowZero)
{
    bool ok = false;
    const double seconds = text.toDouble(&ok);
    if (!ok || !std::isfinite(seconds) || seconds < 0 || (!allowZero && seconds == 0)
        || seconds > 1e9)
        return std::nullopt;
    return milliseconds(std::llround(seconds * 1000.0));
}

ParseResult parseArguments(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsCompactedShortOptions);
    parser.setApplicationDescription(QString::fromLatin1(descriptionText));
    parser.addPositionalArgument(QStringLiteral("url"),
                                 QStringLiteral("The stream URL (http or https)."));

    const QCommandLineOption helpOption({ QStringLiteral("h"), QStringLiteral("help") },
                                        QStringLiteral("Show this help and exit."));
    const QCommandLineOption versionOption(QStringLiteral("version"),
                                           QStringLiteral("Show the version and exit."));
    const QCommandLineOption headerOption(
        { QStringLiteral("H"), QStringLiteral("header") },
        QStringLiteral("Add a request header (repeatable). Values are never logged."),
        QStringLiteral("Name: value"));
    const QCommandLineOption methodOption({ QStringLiteral("X"), QStringLiteral("method") },
                                          QStringLiteral("HTTP method (default GET, or POST "
                                                         "with --data)."),
                                          QStringLiteral("METHOD"));
    const QCommandLineOption dataOption(
        { QStringLiteral("d"), QStringLiteral("data") },
        QStringLiteral("Request body, sent with every attempt; @FILE reads a file, @- stdin."),
        QStringLiteral("BODY"));
    const QCommandLineOption contentTypeOption(
        QStringLiteral("content-type"),
        QStringLiteral("Content-Type of --data (default text/plain; charset=utf-8)."),
        QStringLiteral("TYPE"));
    const QCommandLineOption lastEventIdOption(
        QStringLiteral("last-event-id"),
        QStringLiteral("Resume after this event ID (sent as Last-Event-ID)."),
        QStringLiteral("ID"));
    const QCommandLineOption jsonOption(
        QStringLiteral("json"),
        QStringLiteral("One compact JSON object per event per line: {\"type\",\"data\",\"id\"}; "
                       "stderr as JSON lines too."));
    const QCommandLineOption maxEventsOption({ QStringLiteral("n"), QStringLiteral("max-events") },
                                             QStringLiteral("Exit 0 after N events."),
                                             QStringLiteral("N"));
    const QCommandLineOption timeoutOption({ QStringLiteral("t"), QStringLiteral("timeout") },
                                           QStringLiteral("Give up after S seconds (exit 6)."),
                                           QStringLiteral("S"));
    const QCommandLineOption readTimeoutOption(
        QStringLiteral("read-timeout"),
        QStringLiteral("Reconnect when no byte arrives for S seconds."), QStringLiteral("S"));
    const QCommandLineOption noReconnectOption(
        QStringLiteral("no-reconnect"),
        QStringLiteral("Exit (5) instead of reconnecting when the stream fails or ends."));
    const QCommandLineOption retryInitialOption(
        QStringLiteral("retry-initial"),
        QStringLiteral("First reconnection delay in seconds (default 1; the server's retry: "
                       "overrides it)."),
        QStringLiteral("S"));
    const QCommandLineOption retryMaxOption(QStringLiteral("retry-max"),
                                            QStringLiteral("Longest reconnection delay in "
                                                           "seconds (default 30)."),
                                            QStringLiteral("S"));
    const QCommandLineOption maxRetriesOption(
        QStringLiteral("max-retries"),
        QStringLiteral("Give up (exit 5) when N reconnections in a row have failed."),
        QStringLiteral("N"));
    const QCommandLineOption retryBudgetOption(
        QStringLiteral("retry-budget"),
        QStringLiteral("Give up (exit 5) after S seconds without a good connection."),
        QStringLiteral("S"));
    const QCommandLineOption maxRedirectsOption(QStringLiteral("max-redirects"),
                                                QStringLiteral("Redirects followed per attempt "
                                                               "(default 10)."),
                                                QStringLiteral("N"));
    const QCommandLineOption maxLineOption(QStringLiteral("max-line-bytes"),
                                           QStringLiteral("Longest accepted line (exit 7 "
                                                          "beyond)."),
                                           QStringLiteral("BYTES"));
    const QCommandLineOption maxEventOption(QStringLiteral("max-event-bytes"),
                                            QStringLiteral("Largest accepted event data (exit 7 "
                                                           "beyond)."),
                                            QStringLiteral("BYTES"));
    const QCommandLineOption verboseOption(
        { QStringLiteral("v"), QStringLiteral("verbose") },
        QStringLiteral("Log requests (method, URL with credentials redacted, header names only) "
                       "and SDK diagnostics to stderr."));
    const QCommandLineOption quietOption({ QStringLiteral("q"), QStringLiteral("quiet") },
                                         QStringLiteral("Only errors on stderr."));

    parser.addOptions({ helpOption,         versionOption,     headerOption,      methodOption,
                        dataOption,         contentTypeOption, lastEventIdOption, jsonOption,
                        maxEventsOption,    timeoutOption,     readTimeoutOption, noReconnectOption,
                        retryInitialOption, retryMaxOption,    maxRetriesOption,  retryBudgetOption,
                        maxRedirectsOption, maxLineOption,     maxEventOption,    verboseOption,
                        quietOption });

    ParseResult result;
    result.helpText = parser.helpText() + QString::fromLatin1(exitCodesText);

    const auto fail = [&result](const QString &message) {
        result.action = ParseResult::Action::Error;
        result.errorText = message;
        return result;
    };

    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(helpOption)) {
        result.action = ParseResult::Action::ShowHelp;
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = ParseResult::Action::ShowVersion;
        return result;
    }

    StreamOptions &o = result.options;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return fail(positional.isEmpty() ? QStringLiteral("missing URL")
                                         : QStringLiteral("exactly one URL expected"));
    o.url = QUrl(positional.first(), QUrl::StrictMode);
    const QString scheme = o.url.scheme();
    if (!o.url.isValid() || o.url.host().isEmpty()
        || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
        return fail(QStringLiteral("not an http(s) URL: %1").arg(positional.first()));

    for (const QString &text : parser.values(headerOption)) {
        const auto header = parseHeader(text);
        if (!header) {
            // Only the name part is echoed: the value may be a token.
            const qsizetype colon = text.indexOf(QLatin1Char(':'));
            return fail(colon < 0 ? QStringLiteral("bad header (expected 'Name: value')")
                                  : QStringLiteral("bad header %1 (expected 'Name: value')")
                                        .arg(text.left(colon).trimmed()));
        }
        o.headers.append(*header);
    }

    if (parser.isSet(dataOption)) {
        QString error;
        o.body = readBody(parser.value(dataOption), &error);
        if (!o.body)
            return fail(error);
        o.method = QByteArrayLiteral("POST");
        o.contentType = QByteArrayLiteral("text/plain; charset=utf-8");
    }
    if (parser.isSet(contentTypeOption))
        o.contentType = parser.value(contentTypeOption).toUtf8();
    if (parser.isSet(methodOption)) {
        o.method = parser.value(methodOption).toUtf8();
        if (!isToken(o.method))
            return fail(QStringLiteral("bad method: %1").arg(parser.value(methodOption)));
    }

    o.lastEventId = parser.value(lastEventIdOption);
    o.json = parser.isSet(jsonOption);
    o.verbose = parser.isSet(verboseOption);
    o.quiet = parser.isSet(quietOption);
    o.reconnect = !parser.isSet(noReconnectOption);

    const auto count = [&](const QCommandLineOption &option, qint64 minimum, auto &target) {
        if (!parser.isSet(option))
            return true;
        const auto value = parseCount(parser.value(option), minimum);
        if (!value)
            return false;
        target
            = static_cast<typename std::remove_reference_t<decltype(target)>::value_type>(*value);
        return true;
    };
    const auto seconds = [&](const QCommandLineOption &option, bool allowZero, auto &target) {
        if (!parser.isSet(option))
            return true;
        target = parseSeconds(parser.value(option), allowZero);
        return target.has_value();
    };
    const auto badValue = [&](const QCommandLineOption &option) {
        return fail(QStringLiteral("bad value for --%1: %2")
                        .arg(option.names().constLast(), parser.value(option)));
    };

    if (!count(maxEventsOption, 1, o.maxEvents))
        return badValue(maxEventsOption);
    if (!count(maxRetriesOption, 0, o.maxRetries))
        return badValue(maxRetriesOption);
    if (!count(maxRedirectsOption, 0, o.maxRedirects))
        return badValue(maxRedirectsOption);
    if (!count(maxLineOption, 1, o.maxLineBytes))
        return badValue(maxLineOption);
    if (!count(maxEventOption, 1, o.maxEventBytes))
        return badValue(maxEventOption);
    if (!seconds(timeoutOption, false, o.timeout))
        return badValue(timeoutOption);
    if (!seconds(readTimeoutOption, false, o.readTimeout))
        return badValue(readTimeoutOption);
    if (!seconds(retryInitialOption, true, o.retryInitial))
        return badValue(retryInitialOption);
    if (!seconds(retryMaxOption, true, o.retryMax))
        return badValue(retryMaxOption);
    if (!seconds(retryBudgetOption, false, o.retryBudget))
        return badValue(retryBudgetOption);
    if (o.retryInitial && o.retryMax && *o.retryInitial > *o.retryMax)
        return fail(QStringLiteral("--retry-initial is larger than --retry-max"));

    result.action = ParseResult::Action::Run;
    return result;
}

} // namespace SluiceStream
