// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "commandline.h"

#include "streamoptions.h"

#include <QtCore/QCommandLineParser>

namespace SluiceViewer {

namespace {

// A URL the SDK can sign in to: http(s) with a host. QUrl::fromUserInput would turn a typo into
// a search-engine-style guess; an operator's server URL is better refused than guessed.
bool isServerUrl(const QUrl &url)
{
    return url.isValid() && !url.host().isEmpty()
        && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"));
}

} // namespace

QString modeName(Sluice::PromptStream::Mode mode)
{
    switch (mode) {
    case Sluice::PromptStream::Mode::StreamToken:
        return QStringLiteral("token");
    case Sluice::PromptStream::Mode::Header:
        return QStringLiteral("header");
    case Sluice::PromptStream::Mode::Cookie:
        return QStringLiteral("cookie");
    }
    return QStringLiteral("token");
}

QStringList takeSessionArgument(int &argc, char *argv[])
{
    QStringList taken;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if ((arg == "--session" || arg == "-session") && i + 1 < argc) {
            taken << QStringLiteral("--session") << QString::fromLocal8Bit(argv[++i]);
            continue;
        }
        if (arg.startsWith("--session=")) {
            taken << QString::fromLocal8Bit(arg);
            continue;
        }
        argv[kept++] = argv[i];
    }
    argc = kept;
    argv[argc] = nullptr;
    return taken;
}

CommandLine parseCommandLine(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Watch the prompt streams of a Sluice server live: sign in, browse "
                       "sessions and prompts, follow several prompts in tabs."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption server(QStringLiteral("server"),
                                    QStringLiteral("Server URL (default: the last one)."),
                                    QStringLiteral("url"));
    const QCommandLineOption user(QStringLiteral("user"),
                                  QStringLiteral("User name (default: the last one)."),
                                  QStringLiteral("name"));
    const QCommandLineOption passwordStdin(
        QStringLiteral("password-stdin"),
        QStringLiteral("Read the password from the first line of stdin and sign in at once."));
    const QCommandLineOption session(QStringLiteral("session"),
                                     QStringLiteral("Session id of the prompt to open."),
                                     QStringLiteral("sid"));
    const QCommandLineOption prompt(QStringLiteral("prompt"),
                                    QStringLiteral("Prompt id to open (with --session)."),
                                    QStringLiteral("pid"));
    const QCommandLineOption newPrompt(QStringLiteral("new-prompt"),
                                       QStringLiteral("Create a session and a prompt with this "
                                                      "text, and follow it."),
                                       QStringLiteral("text"));
    const QCommandLineOption mode(QStringLiteral("mode"),
                                  QStringLiteral("How streams are authorised: token (default), "
                                                 "header or cookie."),
                                  QStringLiteral("mode"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                  QStringLiteral("Save screenshots into a directory and quit."),
                                  QStringLiteral("dir"));
    screenshot.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions(
        { server, user, passwordStdin, session, prompt, newPrompt, mode, screenshot });

    CommandLine result;
    result.helpText = parser.helpText();
    if (!parser.parse(arguments)) {
        result.errorText = parser.errorText();
        return result;
    }
    if (parser.isSet(helpOption)) {
        result.action = CommandLine::Action::ShowHelp;
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = CommandLine::Action::ShowVersion;
        return result;
    }
    const auto fail = [&result](const QString &text) {
        result.errorText = text;
        return result;
    };
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument: %1")
                        .arg(parser.positionalArguments().constFirst()));

    ViewerOptions &o = result.options;
    if (parser.isSet(server)) {
        o.serverUrl = QUrl(parser.value(server), QUrl::StrictMode);
        if (!isServerUrl(o.serverUrl))
            return fail(QStringLiteral("--server needs an http:// or https:// URL, not '%1'")
                            .arg(parser.value(server)));
    }
    o.userName = parser.value(user);
    o.passwordStdin = parser.isSet(passwordStdin);
    if (o.passwordStdin && o.userName.isEmpty())
        return fail(QStringLiteral("--password-stdin needs --user"));
    o.sessionId = parser.value(session);
    o.promptId = parser.value(prompt);
    if (o.sessionId.isEmpty() != o.promptId.isEmpty())
        return fail(QStringLiteral("--session and --prompt go together"));
    o.newPromptText = parser.value(newPrompt);
    if (parser.isSet(newPrompt) && o.newPromptText.trimmed().isEmpty())
        return fail(QStringLiteral("--new-prompt needs a text"));
    if (!o.newPromptText.isEmpty() && !o.promptId.isEmpty())
        return fail(QStringLiteral("--new-prompt and --prompt exclude each other"));
    if (parser.isSet(mode)) {
        o.mode = SluiceStream::parseMode(parser.value(mode));
        if (!o.mode)
            return fail(QStringLiteral("--mode must be token, header or cookie, not '%1'")
                            .arg(parser.value(mode)));
    }
    o.screenshotDir = parser.value(screenshot);
    if (parser.isSet(screenshot) && !o.passwordStdin)
        return fail(QStringLiteral("--screenshot needs --user and --password-stdin"));
    result.action = CommandLine::Action::Run;
    return result;
}

} // namespace SluiceViewer
