// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/PromptStream.h>

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <optional>

namespace SluiceViewer {

struct ViewerOptions
{
    QUrl serverUrl; // empty: the last server signed in to
    QString userName; // empty: the last user
    bool passwordStdin = false;
    QString sessionId; // with promptId: open this prompt's stream once signed in
    QString promptId;
    QString newPromptText; // create a session and a prompt with this text, and follow it
    std::optional<Sluice::PromptStream::Mode> mode; // empty: the last mode chosen
    // Hidden: sign in, grab the sign-in dialog and a live stream as PNGs into this directory,
    // quit (scripts/dev screenshot).
    QString screenshotDir;
};

struct CommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion, Error };
    Action action = Action::Error;
    ViewerOptions options;
    QString errorText; // Action::Error: one line, without the program name
    QString helpText;
};

// Parses `arguments` (arguments[0] is the program name); never reads stdin.
CommandLine parseCommandLine(const QStringList &arguments);

// QGuiApplication takes "-session ID" (and "--session ID") for X11 session management and
// removes it from the arguments, so --session SID would never reach parseCommandLine(). Called
// before QApplication exists: removes --session and its value from argv and returns them, to
// be appended to the arguments given to parseCommandLine().
QStringList takeSessionArgument(int &argc, char *argv[]);

// The command line's (and the settings') name of a stream mode: "token", "header", "cookie".
QString modeName(Sluice::PromptStream::Mode mode);

} // namespace SluiceViewer
