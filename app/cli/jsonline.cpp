// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "jsonline.h"

namespace SluiceStream {

void JsonLine::appendQuoted(QByteArray &out, QStringView text)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.append('"');
    const QByteArray utf8 = text.toUtf8();
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        default:
            if (u < 0x20 || u == 0x7f) {
                out.append("\\u00");
                out.append(hex[u >> 4]);
                out.append(hex[u & 0xf]);
            } else {
                out.append(c);
            }
        }
    }
    out.append('"');
}

void JsonLine::appendKey(QStringView key)
{
    m_body.append(m_body.isEmpty() ? "" : ",");
    appendQuoted(m_body, key);
    m_body.append(':');
}

JsonLine &JsonLine::add(QStringView key, QStringView value)
{
    appendKey(key);
    appendQuoted(m_body, value);
    return *this;
}

JsonLine &JsonLine::add(QStringView key, qint64 value)
{
    appendKey(key);
    m_body.append(QByteArray::number(value));
    return *this;
}

JsonLine &JsonLine::addBool(QStringView key, bool value)
{
    appendKey(key);
    m_body.append(value ? "true" : "false");
    return *this;
}

QByteArray JsonLine::toLine() const
{
    QByteArray line;
    line.reserve(m_body.size() + 3);
    line.append('{');
    line.append(m_body);
    line.append("}\n");
    return line;
}

} // namespace SluiceStream
