// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "parser/utf8decoder_p.h"

#include <cstring>

namespace Sluice {

namespace {

constexpr char16_t ReplacementCharacter = 0xFFFD;

// Written as plain loops over words so that the compiler vectorises them.
bool isAscii(QByteArrayView bytes)
{
    const char *p = bytes.data();
    const char *const end = p + bytes.size();
    quint64 highBits = 0;
    for (; end - p >= 32; p += 32) {
        quint64 words[4];
        std::memcpy(words, p, sizeof words);
        highBits |= words[0] | words[1] | words[2] | words[3];
        if (highBits & 0x8080808080808080ULL)
            return false;
    }
    uchar rest = 0;
    for (; p < end; ++p)
        rest |= uchar(*p);
    return (rest & 0x80) == 0;
}

bool containsReplacementCharacter(const QString &text)
{
    const ushort *p = text.utf16();
    const qsizetype size = text.size();
    bool found = false;
    for (qsizetype i = 0; i < size; ++i)
        found |= p[i] == ReplacementCharacter;
    return found;
}

bool startsWithBom(QByteArrayView bytes)
{
    return bytes.size() >= 3 && uchar(bytes[0]) == 0xEF && uchar(bytes[1]) == 0xBB
        && uchar(bytes[2]) == 0xBF;
}

// https://encoding.spec.whatwg.org/#utf-8-decoder, written out byte by byte. Only used for
// input that may not be valid UTF-8.
QString decodeUtf8Slow(QByteArrayView bytes)
{
    QString out;
    out.reserve(bytes.size());
    char32_t codePoint = 0;
    int bytesSeen = 0;
    int bytesNeeded = 0;
    uchar lowerBoundary = 0x80;
    uchar upperBoundary = 0xBF;

    const auto emit = [&out](char32_t c) {
        if (c > 0xFFFF) {
            out.append(QChar(QChar::highSurrogate(c)));
            out.append(QChar(QChar::lowSurrogate(c)));
        } else {
            out.append(QChar(char16_t(c)));
        }
    };

    qsizetype i = 0;
    while (i < bytes.size()) {
        const uchar byte = uchar(bytes[i]);
        if (bytesNeeded == 0) {
            ++i;
            if (byte <= 0x7F) {
                emit(byte);
            } else if (byte >= 0xC2 && byte <= 0xDF) {
                bytesNeeded = 1;
                codePoint = byte & 0x1F;
            } else if (byte >= 0xE0 && byte <= 0xEF) {
                if (byte == 0xE0)
                    lowerBoundary = 0xA0;
                if (byte == 0xED)
                    upperBoundary = 0x9F;
                bytesNeeded = 2;
                codePoint = byte & 0xF;
            } else if (byte >= 0xF0 && byte <= 0xF4) {
                if (byte == 0xF0)
                    lowerBoundary = 0x90;
                if (byte == 0xF4)
                    upperBoundary = 0x8F;
                bytesNeeded = 3;
                codePoint = byte & 0x7;
            } else {
                emit(ReplacementCharacter);
            }
            continue;
        }
        if (byte < lowerBoundary || byte > upperBoundary) {
            // The byte is not consumed: it starts the next sequence.
            codePoint = 0;
            bytesNeeded = 0;
            bytesSeen = 0;
            lowerBoundary = 0x80;
            upperBoundary = 0xBF;
            emit(ReplacementCharacter);
            continue;
        }
        ++i;
        lowerBoundary = 0x80;
        upperBoundary = 0xBF;
        codePoint = (codePoint << 6) | (byte & 0x3F);
        if (++bytesSeen == bytesNeeded) {
            emit(codePoint);
            codePoint = 0;
            bytesNeeded = 0;
            bytesSeen = 0;
        }
    }
    if (bytesNeeded != 0)
        emit(ReplacementCharacter);
    return out;
}

// Input that is not pure ASCII.
QString decodeNonAscii(QByteArrayView bytes)
{
    // QString::fromUtf8 agrees with the Encoding standard on valid input except that it drops a
    // leading BOM; valid input yields U+FFFD only where it encodes one (EF BF BD). In all those
    // rare cases the exact decoder decides.
    if (!startsWithBom(bytes)) {
        QString decoded = QString::fromUtf8(bytes);
        if (!containsReplacementCharacter(decoded))
            return decoded;
    }
    return decodeUtf8Slow(bytes);
}

} // namespace

QString decodeUtf8(QByteArrayView bytes)
{
    if (bytes.isEmpty())
        return {};
    // Pure ASCII (the common case): every decoder agrees, widen it directly.
    if (isAscii(bytes))
        return QString::fromLatin1(bytes);
    return decodeNonAscii(bytes);
}

void decodeUtf8Into(QString &out, QByteArrayView bytes)
{
    const qsizetype size = bytes.size();
    if (size == 0) {
        out = QString();
        return;
    }
    // Large text: checked first (widening it in vain would cost a large allocation), then
    // widened by Qt (SIMD chosen at run time); a buffer that large is not worth keeping anyway.
    constexpr qsizetype InPlaceLimit = 4096;
    if (size > InPlaceLimit) {
        out = isAscii(bytes) ? QString::fromLatin1(bytes) : decodeNonAscii(bytes);
        return;
    }
    if (out.isDetached())
        out.resize(size); // allocates only when the buffer is too small
    else
        out = QString(size, Qt::Uninitialized);
    // Widen while checking for ASCII, in one pass; a plain loop the compiler vectorises.
    const uchar *src = reinterpret_cast<const uchar *>(bytes.data());
    char16_t *dst = reinterpret_cast<char16_t *>(out.data());
    uchar seen = 0;
    for (qsizetype i = 0; i < size; ++i) {
        seen |= src[i];
        dst[i] = src[i];
    }
    if (seen & 0x80)
        out = decodeNonAscii(bytes); // not ASCII: the exact decoder
}

} // namespace Sluice
