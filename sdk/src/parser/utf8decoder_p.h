// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArrayView>
#include <QtCore/QString>

namespace Sluice {

// The Encoding standard's UTF-8 decoder without BOM handling ("UTF-8 decode without BOM"):
// each maximal subpart of an invalid sequence becomes one U+FFFD and a U+FEFF is kept wherever
// it is. QString::fromUtf8 differs on both points (it strips a leading BOM and emits one U+FFFD
// per byte of a truncated sequence), so Qt's decoder is used only for valid input.
QString decodeUtf8(QByteArrayView bytes);

// Sets `out` to decodeUtf8(bytes). When `out` is not shared and its buffer is large enough,
// ASCII input is widened into that buffer: no allocation.
void decodeUtf8Into(QString &out, QByteArrayView bytes);

} // namespace Sluice
