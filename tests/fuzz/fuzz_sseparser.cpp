// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// libFuzzer entry point for Sluice::SseParser. The first input byte picks the chunk size and
// whether small limits are used; the rest is the stream. The stream is parsed whole and in
// chunks: output, status and last event ID must be identical, and the buffers must stay within
// the limits.
#include <Sluice/SseParser.h>

#include <QtCore/QStringList>

#include <cstddef>
#include <cstdint>

namespace {

struct Outcome
{
    QStringList records;
    Sluice::SseParser::Status status = Sluice::SseParser::Status::Ok;
    QString lastEventId;
};

void check(bool condition)
{
    if (!condition)
        __builtin_trap();
}

Outcome parse(QByteArrayView input, qsizetype chunkSize, const Sluice::SseParser::Limits &limits)
{
    Outcome out;
    Sluice::SseParser parser(limits);
    parser.setEventHandler([&out](const Sluice::Event &e) {
        out.records << QLatin1String("E ") + e.type() + u'\x1f' + e.data() + u'\x1f'
                + e.lastEventId();
    });
    parser.setCommentHandler(
        [&out](QStringView c) { out.records << QLatin1String("C ") + c.toString(); });
    parser.setRetryHandler([&out](qint64 ms) {
        check(ms >= 0 && ms <= Sluice::SseParser::MaxRetryMilliseconds);
        out.records << QLatin1String("R ") + QString::number(ms);
    });
    const qsizetype bound = 2 * (limits.maxLineBytes() + limits.maxEventBytes()) + 1024;
    for (qsizetype at = 0; at < input.size(); at += chunkSize) {
        out.status = parser.feed(input.sliced(at, qMin(chunkSize, input.size() - at)));
        check(parser.bufferedBytes() <= bound);
    }
    parser.finish();
    out.lastEventId = parser.lastEventId();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const std::uint8_t mode = data[0];
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    Sluice::SseParser::Limits limits;
    if (mode & 0x80) {
        limits.setMaxLineBytes(1 + (mode & 0x0F) * 8);
        limits.setMaxEventBytes(1 + ((mode >> 4) & 0x07) * 16);
    }
    const qsizetype chunkSize = 1 + (mode & 0x07);

    const Outcome whole = parse(input, qMax<qsizetype>(1, input.size()), limits);
    const Outcome chunked = parse(input, chunkSize, limits);
    check(whole.records == chunked.records);
    check(whole.status == chunked.status);
    check(whole.lastEventId == chunked.lastEventId);
    return 0;
}
