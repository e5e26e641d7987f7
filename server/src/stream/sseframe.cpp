// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "stream/sseframe.h"

namespace Sluice::Server::SseFrame {

namespace {
// Field values must not contain CR or LF (they would end the line early).
QByteArray singleLine(QByteArrayView text)
{
    QByteArray line = text.toByteArray();
    line.replace('\r', ' ').replace('\n', ' ');
    return line;
}
} // namespace

QByteArray event(qint64 id, QByteArrayView type, QByteArrayView data)
{
    QByteArray frame;
    frame.reserve(data.size() + type.size() + 40);
    if (id > 0)
        frame.append("id: ").append(QByteArray::number(id)).append('\n');
    if (!type.isEmpty())
        frame.append("event: ").append(singleLine(type)).append('\n');
    qsizetype start = 0;
    const qsizetype size = data.size();
    for (qsizetype i = 0; i <= size; ++i) {
        if (i < size && data[i] != '\n' && data[i] != '\r')
            continue;
        frame.append("data: ");
        frame.append(data.data() + start, i - start);
        frame.append('\n');
        if (i < size && data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
            ++i;
        start = i + 1;
    }
    frame.append('\n');
    return frame;
}

QByteArray comment(QByteArrayView text)
{
    return QByteArray(": ").append(singleLine(text)).append('\n');
}

QByteArray retry(std::chrono::milliseconds delay)
{
    return QByteArray("retry: ").append(QByteArray::number(qint64(delay.count()))).append('\n');
}

} // namespace Sluice::Server::SseFrame
