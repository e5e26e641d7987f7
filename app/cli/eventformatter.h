// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>

namespace Sluice {
class Event;
class Error;
} // namespace Sluice

namespace SluiceStream {

// Turns events (stdout) and state changes (stderr) into bytes, in sluice-stream's two output
// styles. Pure: no I/O, no network, so it is unit-tested directly.
//
// Text style, stdout — one block per event, then a blank line:
//     event: message
//     id: 42                  (only when the last event ID is non-empty)
//     data: first line
//     data: second line
// Text style, stderr — "* " + state, ": " + comment.
//
// JSON style — one compact object per line:
//     stdout: {"type":"message","data":"first line\nsecond line","id":"42"}
//     stderr: {"kind":"connecting","attempt":1,"method":"GET","url":"..."}
//             {"kind":"open"}
//             {"kind":"comment","comment":"heartbeat"}
//             {"kind":"reconnecting","attempt":2,"delayMs":1000}
//             {"kind":"error","error":"HttpStatus","status":401,"message":"...","willRetry":false}
//             {"kind":"headers","names":"Accept, Authorization"}   (verbose only)
//             {"kind":"exit","code":0,"reason":"max events reached"}
//     server form only:
//             {"kind":"signed-in","user":"demo","with":"password"}           ("keychain")
//             {"kind":"prompt","sessionId":"...","promptId":"..."}           (--new-prompt)
// `id` is the event's lastEventId (MessageEvent.lastEventId): it persists across events until
// an `id:` field changes it, and is "" when none was ever set.
class EventFormatter
{
public:
    enum class Style { Text, Json };

    explicit EventFormatter(Style style = Style::Text)
        : m_style(style)
    { }
    Style style() const { return m_style; }

    QByteArray event(const Sluice::Event &event) const;

    QByteArray connecting(int attempt, const QByteArray &method, const QString &redactedUrl) const;
    QByteArray requestHeaders(const QList<QByteArray> &names) const;
    QByteArray opened() const;
    QByteArray comment(const QString &text) const;
    QByteArray reconnecting(int attempt, int delayMs) const;
    QByteArray error(const Sluice::Error &error) const;
    QByteArray exit(int code, const QString &reason) const;
    // The server form signed in as `userName`; `with` is "password" or "keychain".
    QByteArray signedIn(const QString &userName, const QString &with) const;
    // The server form created a prompt (--new-prompt).
    QByteArray prompt(const QString &sessionId, const QString &promptId) const;

private:
    Style m_style;
};

} // namespace SluiceStream
