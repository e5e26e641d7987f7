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
      "\n"
      "  sluice-stream URL [options]\n"
      "      Any SSE endpoint; credentials go in -H headers.\n"
      "  sluice-stream --server URL --user NAME (--password-stdin | --keychain)\n"
      "                (--session SID --prompt PID | --new-prompt TEXT [--session SID])\n"
      "                [--mode token|header|cookie] [options]\n"
      "      Signs in to a Sluice server and follows one prompt's stream until\n"
      "      its `done` event (tokens are refreshed as needed, never printed).\n"
      "\n"
      "Events go to stdout (one per block, or one JSON object per line\n"
      "with --json), flushed per event. Comments and state changes\n"
      "(connecting, open, reconnecting, errors, exit; signed in and the new\n"
      "prompt's ids in the server form) go to stderr, as JSON lines with\n"
      "--json. Header values, tokens and passwords are never logged.";

const char *const modesText
    = "\nModes (--mode, server form):\n"
      "  token   default: a short-lived stream token is minted for every\n"
      "          connection and sent in the URL (?stream_token=, shown as\n"
      "          REDACTED); what a browser EventSource does\n"
      "  header  Authorization: Bearer <access token> on every connection\n"
      "  cookie  the server's HttpOnly access cookie (the server must run with\n"
      "          --cookie-mode on)\n";

const char *const exitCodesText
    = "\nExit codes:\n"
      "  0    --max-events reached, the server answered 204 (stop), the\n"
      "       prompt is done (server form), or the stream ended with\n"
      "       --no-reconnect\n"
      "  1    internal error\n"
      "  2    usage error (bad option or value, unreadable --data file,\n"
      "       no password on stdin with --password-stdin)\n"
      "  3    HTTP 401 or 403, or the sign-in failed: wrong password, too\n"
      "       many attempts (the wait is printed), session revoked or\n"
      "       expired, nothing remembered in the keychain, no keychain\n"
      "  4    other HTTP failure: status that does not open a stream (404:\n"
      "       unknown session or prompt), wrong Content-Type, too many\n"
      "       redirects\n"
      "  5    network or TLS failure (signing in, or the stream with\n"
      "       --no-reconnect), or retries exhausted (--max-retries,\n"
      "       --retry-budget)\n"
      "  6    --timeout elapsed\n"
      "  7    a line or event exceeded --max-line-bytes/--max-event-bytes\n"
      "  130  interrupted (SIGINT), 143 terminated (SIGTERM)\n";

// "-H/--header", "--server": how an option is spelled on the command line, for messages.
QString spelled(const QCommandLineOption &option)
{
    QStringList names;
    for (const QString &name : option.names())
        names << QString((name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name);
    return names.join(QLatin1Char('/'));
}

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

std::optional<Sluice::PromptStream::Mode> parseMode(const QString &text)
{
    if (text == QLatin1String("token"))
        return Sluice::PromptStream::Mode::StreamToken;
    if (text == QLatin1String("header"))
        return Sluice::PromptStream::Mode::Header;
    if (text == QLatin1String("cookie"))
        return Sluice::PromptStream::Mode::Cookie;
    return std::nullopt;
}

ParseResult parseArguments(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsCompactedShortOptions);
    parser.setApplicationDescription(QString::fromLatin1(descriptionText));
    parser.addPositionalArgument(QStringLiteral("url"),
                                 QStringLiteral("The stream URL (http or https); not with "
                                                "--server."),
                                 QStringLiteral("[url]"));

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
    const QCommandLineOption serverOption(
        QStringLiteral("server"),
        QStringLiteral("Server form: the Sluice server's base URL (http or https)."),
        QStringLiteral("URL"));
    const QCommandLineOption userOption(QStringLiteral("user"),
                                        QStringLiteral("Server form: the user name."),
                                        QStringLiteral("NAME"));
    const QCommandLineOption passwordStdinOption(
        QStringLiteral("password-stdin"),
        QStringLiteral("Server form: the password is the first line of stdin (never echoed "
                       "or logged). With --keychain, only when the keychain cannot sign in."));
    const QCommandLineOption keychainOption(
        QStringLiteral("keychain"),
        QStringLiteral("Server form: sign in with the refresh token remembered in the OS "
                       "keychain (service sluice-stream); with --password-stdin, remember the "
                       "new sign-in there."));
    const QCommandLineOption sessionOption(
        QStringLiteral("session"),
        QStringLiteral("Server form: the session of --prompt, or where --new-prompt creates "
                       "its prompt (default: a new session)."),
        QStringLiteral("SID"));
    const QCommandLineOption promptOption(QStringLiteral("prompt"),
                                          QStringLiteral("Server form: follow this prompt (with "
                                                         "--session)."),
                                          QStringLiteral("PID"));
    const QCommandLineOption newPromptOption(
        QStringLiteral("new-prompt"),
        QStringLiteral("Server form: create a prompt with this text, print its ids on stderr, "
                       "follow it."),
        QStringLiteral("TEXT"));
    const QCommandLineOption modeOption(
        QStringLiteral("mode"),
        QStringLiteral("Server form: how the stream is authorised: token (default), header or "
                       "cookie (see Modes)."),
        QStringLiteral("MODE"));
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
        QStringLiteral("Exit instead of reconnecting: 0 when the server ended the stream, "
                       "5 (or 3/4) when it failed."));
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
                                         QStringLiteral("Only errors (and --new-prompt's ids) "
                                                        "on stderr."));

    parser.addOptions(
        { helpOption,          versionOption,     headerOption,      methodOption,
          dataOption,          contentTypeOption, serverOption,      userOption,
          passwordStdinOption, keychainOption,    sessionOption,     promptOption,
          newPromptOption,     modeOption,        lastEventIdOption, jsonOption,
          maxEventsOption,     timeoutOption,     readTimeoutOption, noReconnectOption,
          retryInitialOption,  retryMaxOption,    maxRetriesOption,  retryBudgetOption,
          maxRedirectsOption,  maxLineOption,     maxEventOption,    verboseOption,
          quietOption });

    ParseResult result;
    result.helpText
        = parser.helpText() + QString::fromLatin1(modesText) + QString::fromLatin1(exitCodesText);

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
    if (parser.isSet(serverOption)) {
        // The server form builds its own requests: the URL form's request options have no
        // meaning here, and silently ignoring them would hide a mistake.
        if (!positional.isEmpty())
            return fail(QStringLiteral("--server and a stream URL cannot be combined (the "
                                       "server form finds the stream from --session and "
                                       "--prompt)"));
        for (const QCommandLineOption *option :
             { &headerOption, &methodOption, &dataOption, &contentTypeOption }) {
            if (parser.isSet(*option))
                return fail(QStringLiteral("%1 cannot be used with --server (the server form "
                                           "sends its own requests and credentials)")
                                .arg(spelled(*option)));
        }

        const QString serverText = parser.value(serverOption);
        o.serverUrl = QUrl(serverText, QUrl::StrictMode);
        const QString scheme = o.serverUrl.scheme();
        // Never echoed when it may hold a password (user info).
        if (!o.serverUrl.userInfo().isEmpty() || serverText.contains(QLatin1Char('@')))
            return fail(QStringLiteral("--server takes no user name or password in the URL "
                                       "(use --user and --password-stdin)"));
        if (!o.serverUrl.isValid() || o.serverUrl.host().isEmpty()
            || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
            return fail(QStringLiteral("not an http(s) URL for --server: %1").arg(serverText));
        if (o.serverUrl.hasQuery() || o.serverUrl.hasFragment())
            return fail(QStringLiteral("--server takes the server's base URL, without query or "
                                       "fragment: %1")
                            .arg(serverText));

        o.userName = parser.value(userOption);
        if (o.userName.isEmpty())
            return fail(QStringLiteral("--server needs --user NAME"));
        o.passwordStdin = parser.isSet(passwordStdinOption);
        o.keychain = parser.isSet(keychainOption);
        if (!o.passwordStdin && !o.keychain)
            return fail(QStringLiteral("--server needs --password-stdin or --keychain "
                                       "(sluice-stream never prompts for a password)"));

        const bool follow = parser.isSet(promptOption);
        const bool create = parser.isSet(newPromptOption);
        if (follow && create)
            return fail(QStringLiteral("--prompt and --new-prompt cannot be combined"));
        if (!follow && !create)
            return fail(QStringLiteral("--server needs --session SID with --prompt PID, or "
                                       "--new-prompt TEXT"));
        if (parser.isSet(sessionOption)) {
            o.sessionId = parser.value(sessionOption);
            if (o.sessionId.isEmpty())
                return fail(QStringLiteral("--session needs a session id"));
        }
        if (follow) {
            o.promptId = parser.value(promptOption);
            if (o.promptId.isEmpty())
                return fail(QStringLiteral("--prompt needs a prompt id"));
            if (o.sessionId.isEmpty())
                return fail(QStringLiteral("--prompt needs --session SID (the prompt's "
                                           "session)"));
            // A prompt's events are numbered 1, 2, ...: anything else would only get a 400.
            const QString resumeAfter = parser.value(lastEventIdOption);
            if (!resumeAfter.isEmpty() && !parseCount(resumeAfter, 0))
                return fail(QStringLiteral("bad value for --last-event-id: %1 (a prompt's "
                                           "event ids are numbers)")
                                .arg(resumeAfter));
        } else {
            o.newPromptText = parser.value(newPromptOption);
            if (o.newPromptText->trimmed().isEmpty())
                return fail(QStringLiteral("--new-prompt needs a text"));
            if (!parser.value(lastEventIdOption).isEmpty()) // "" means none, as in the URL form
                return fail(QStringLiteral("--last-event-id cannot be used with --new-prompt (a "
                                           "new prompt is followed from its first event)"));
        }
        if (parser.isSet(modeOption)) {
            const auto mode = parseMode(parser.value(modeOption));
            if (!mode)
                return fail(QStringLiteral("bad value for --mode: %1 (expected token, header "
                                           "or cookie)")
                                .arg(parser.value(modeOption)));
            o.mode = *mode;
        }
    } else {
        for (const QCommandLineOption *option :
             { &userOption, &passwordStdinOption, &keychainOption, &sessionOption, &promptOption,
               &newPromptOption, &modeOption }) {
            if (parser.isSet(*option))
                return fail(QStringLiteral("%1 needs --server URL").arg(spelled(*option)));
        }

        if (positional.size() != 1)
            return fail(positional.isEmpty() ? QStringLiteral("missing URL (or --server)")
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
