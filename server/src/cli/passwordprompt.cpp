// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "cli/passwordprompt.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>

namespace Sluice::Server {

namespace {

std::optional<QByteArray> readLine(int fd)
{
    QByteArray line;
    char c = 0;
    bool any = false;
    for (;;) {
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0)
            return std::nullopt;
        if (n == 0)
            break;
        any = true;
        if (c == '\n')
            break;
        line.append(c);
        if (line.size() > 4096)
            break;
    }
    if (!any)
        return std::nullopt;
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

} // namespace

bool stdinIsTerminal()
{
    return ::isatty(STDIN_FILENO) == 1;
}

std::optional<QByteArray> readPasswordLine()
{
    return readLine(STDIN_FILENO);
}

std::optional<QByteArray> promptPassword(const char *prompt)
{
    std::fputs(prompt, stderr);
    std::fflush(stderr);
    termios saved {};
    const bool haveTermios = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (haveTermios) {
        termios silent = saved;
        silent.c_lflag &= ~tcflag_t(ECHO);
        silent.c_lflag |= ECHONL;
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent);
    }
    const auto line = readLine(STDIN_FILENO);
    if (haveTermios)
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    return line;
}

} // namespace Sluice::Server
