// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QStringView>

namespace SluiceStream {

// Builds one compact JSON object, keys in insertion order (QJsonObject would sort them), as a
// single line of UTF-8. Strings are escaped per RFC 8259: '"', '\\' and every control character,
// so the result never contains a raw newline.
class JsonLine
{
public:
    JsonLine &add(QStringView key, QStringView value);
    JsonLine &add(QStringView key, qint64 value);
    JsonLine &add(QStringView key, int value) { return add(key, qint64(value)); }
    // Not an add() overload: a string literal would silently convert to bool.
    JsonLine &addBool(QStringView key, bool value);

    // The object followed by '\n'.
    QByteArray toLine() const;

    static void appendQuoted(QByteArray &out, QStringView text);

private:
    void appendKey(QStringView key);
    QByteArray m_body;
};

} // namespace SluiceStream
