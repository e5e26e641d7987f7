// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "parser/utf8decoder_p.h"

#include <QtCore/QStringDecoder>

namespace Sluice {

namespace {

constexpr char16_t ReplacementCharacter = 0xFFFD;

// https://encoding.spec.whatwg.org/#utf-8-decoder, written out byte by byte. Only used for
// input that Qt's decoder reports as invalid.
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

} // namespace

QString decodeUtf8(QByteArrayView bytes)
{
    if (bytes.isEmpty())
        return {};
    // Qt's decoder agrees with the Encoding standard on valid input (with ConvertInitialBom it
    // keeps a leading U+FEFF) and reports whether it met anything invalid; only then is the
    // exact decoder needed, to replace each maximal subpart with a single U+FFFD.
    QStringDecoder decoder(QStringDecoder::Utf8,
                           QStringDecoder::Flag::Stateless
                               | QStringDecoder::Flag::ConvertInitialBom);
    QString decoded = decoder.decode(bytes);
    if (!decoder.hasError())
        return decoded;
    return decodeUtf8Slow(bytes);
}

} // namespace Sluice
