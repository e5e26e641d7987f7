// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "eventformatter.h"

#include "jsonline.h"

#include <Sluice/Error.h>
#include <Sluice/Event.h>

#include <QtCore/QMetaEnum>

namespace SluiceStream {

namespace {

// Keeps a single stderr line on one line whatever the text contains.
QByteArray oneLine(const QString &text)
{
    QByteArray utf8 = text.toUtf8();
    utf8.replace('\r', "\\r");
    utf8.replace('\n', "\\n");
    return utf8;
}

QString kindName(const Sluice::Error &error)
{
    return QString::fromLatin1(
        QMetaEnum::fromType<Sluice::Error::Kind>().valueToKey(int(error.kind())));
}

} // namespace

QByteArray EventFormatter::event(const Sluice::Event &event) const
{
    if (m_style == Style::Json) {
        return JsonLine()
            .add(u"type", event.type())
            .add(u"data", event.data())
            .add(u"id", event.lastEventId())
            .toLine();
    }
    QByteArray out;
    out.append("event: ").append(oneLine(event.type())).append('\n');
    if (!event.lastEventId().isEmpty())
        out.append("id: ").append(oneLine(event.lastEventId())).append('\n');
    const QStringList lines = event.data().split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        out.append("data:");
        if (!line.isEmpty())
            out.append(' ').append(oneLine(line));
        out.append('\n');
    }
    out.append('\n');
    return out;
}

QByteArray EventFormatter::connecting(int attempt, const QByteArray &method,
                                      const QString &redactedUrl) const
{
    if (m_style == Style::Json) {
        return JsonLine()
            .add(u"kind", u"connecting")
            .add(u"attempt", attempt)
            .add(u"method", QString::fromLatin1(method))
            .add(u"url", redactedUrl)
            .toLine();
    }
    return "* connecting (attempt " + QByteArray::number(attempt) + "): " + method + ' '
        + oneLine(redactedUrl) + '\n';
}

QByteArray EventFormatter::requestHeaders(const QList<QByteArray> &names) const
{
    const QByteArray joined = names.join(", ");
    if (m_style == Style::Json)
        return JsonLine()
            .add(u"kind", u"headers")
            .add(u"names", QString::fromLatin1(joined))
            .toLine();
    return "* request headers: " + joined + '\n';
}

QByteArray EventFormatter::opened() const
{
    if (m_style == Style::Json)
        return JsonLine().add(u"kind", u"open").toLine();
    return QByteArrayLiteral("* open\n");
}

QByteArray EventFormatter::comment(const QString &text) const
{
    if (m_style == Style::Json)
        return JsonLine().add(u"kind", u"comment").add(u"comment", text).toLine();
    return ':' + oneLine(text) + '\n';
}

QByteArray EventFormatter::reconnecting(int attempt, int delayMs) const
{
    if (m_style == Style::Json) {
        return JsonLine()
            .add(u"kind", u"reconnecting")
            .add(u"attempt", attempt)
            .add(u"delayMs", delayMs)
            .toLine();
    }
    return "* reconnecting (attempt " + QByteArray::number(attempt) + ") in "
        + QByteArray::number(delayMs) + " ms\n";
}

QByteArray EventFormatter::error(const Sluice::Error &error) const
{
    if (m_style == Style::Json) {
        return JsonLine()
            .add(u"kind", u"error")
            .add(u"error", kindName(error))
            .add(u"status", error.httpStatus())
            .add(u"message", error.message())
            .addBool(u"willRetry", error.willRetry())
            .toLine();
    }
    QByteArray out = "* error: " + kindName(error).toLatin1();
    if (error.httpStatus() != 0)
        out += " (HTTP " + QByteArray::number(error.httpStatus()) + ')';
    if (!error.message().isEmpty())
        out += ": " + oneLine(error.message());
    out += error.willRetry() ? " (will retry)\n" : "\n";
    return out;
}

QByteArray EventFormatter::exit(int code, const QString &reason) const
{
    if (m_style == Style::Json)
        return JsonLine().add(u"kind", u"exit").add(u"code", code).add(u"reason", reason).toLine();
    return "* exit " + QByteArray::number(code) + ": " + oneLine(reason) + '\n';
}

QByteArray EventFormatter::signedIn(const QString &userName, const QString &with) const
{
    if (m_style == Style::Json) {
        return JsonLine()
            .add(u"kind", u"signed-in")
            .add(u"user", userName)
            .add(u"with", with)
            .toLine();
    }
    return "* signed in as " + oneLine(userName) + " (" + oneLine(with) + ")\n";
}

QByteArray EventFormatter::prompt(const QString &sessionId, const QString &promptId) const
{
    if (m_style == Style::Json) {
        return JsonLine()
            .add(u"kind", u"prompt")
            .add(u"sessionId", sessionId)
            .add(u"promptId", promptId)
            .toLine();
    }
    return "* prompt " + oneLine(promptId) + " in session " + oneLine(sessionId) + '\n';
}

} // namespace SluiceStream
