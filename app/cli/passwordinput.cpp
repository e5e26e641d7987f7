// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "passwordinput.h"

#include <cerrno>
#include <cstring>
#include <termios.h>
#include <unistd.h>

namespace SluiceStream {

namespace {

constexpr qsizetype MaxPasswordLineBytes = 4096;

// Turns terminal echo off for its lifetime (no-op when `fd` is not a terminal).
class EchoOff
{
public:
    explicit EchoOff(int fd)
        : m_fd(fd)
    {
        if (!::isatty(fd) || ::tcgetattr(fd, &m_saved) != 0)
            return;
        termios quiet = m_saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        m_active = ::tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    ~EchoOff()
    {
        if (m_active)
            ::tcsetattr(m_fd, TCSAFLUSH, &m_saved);
    }
    Q_DISABLE_COPY_MOVE(EchoOff)

private:
    int m_fd;
    termios m_saved = {};
    bool m_active = false;
};

} // namespace

QString passwordFromFirstLine(QByteArrayView bytes)
{
    qsizetype end = bytes.indexOf('\n');
    if (end < 0)
        end = bytes.size();
    if (end > 0 && bytes.at(end - 1) == '\r')
        --end;
    return QString::fromUtf8(bytes.first(end));
}

std::optional<QString> readPasswordLine(int fd, QString *error)
{
    QByteArray line;
    line.reserve(256);
    bool sawNewline = false;
    {
        const EchoOff echoOff(fd);
        // One byte at a time: stdin may be shared, and nothing after the line is ours to take.
        while (line.size() <= MaxPasswordLineBytes) {
            char c = 0;
            const ssize_t n = ::read(fd, &c, 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                *error = QStringLiteral("cannot read the password from stdin: %1")
                             .arg(QString::fromLocal8Bit(std::strerror(errno)));
                line.fill('\0');
                return std::nullopt;
            }
            if (n == 0)
                break;
            if (c == '\n') {
                sawNewline = true;
                break;
            }
            line.append(c);
        }
    }
    const bool tooLong = !sawNewline && line.size() > MaxPasswordLineBytes;
    std::optional<QString> password;
    if (!tooLong)
        password = passwordFromFirstLine(line);
    line.fill('\0');
    if (tooLong) {
        *error = QStringLiteral("the password line on stdin is longer than %1 bytes")
                     .arg(MaxPasswordLineBytes);
        return std::nullopt;
    }
    if (password->isEmpty()) {
        *error = QStringLiteral("no password on stdin (--password-stdin reads the first line)");
        return std::nullopt;
    }
    return password;
}

} // namespace SluiceStream
