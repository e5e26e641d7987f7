// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/addresskey.h"

#include <QtNetwork/QHostAddress>

namespace Sluice::Server {

AddressKey AddressKey::of(const QHostAddress &address)
{
    AddressKey key;
    bool isIPv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIPv4); // also unwraps ::ffff:a.b.c.d
    if (isIPv4) {
        key.m_value = ipv4;
        return key;
    }
    const Q_IPV6ADDR ipv6 = address.toIPv6Address();
    key.m_ipv6 = true;
    for (int i = 0; i < 8; ++i)
        key.m_value = (key.m_value << 8) | ipv6[i];
    return key;
}

QString AddressKey::toString() const
{
    if (!m_ipv6)
        return QHostAddress(quint32(m_value)).toString();
    Q_IPV6ADDR bytes {};
    for (int i = 0; i < 8; ++i)
        bytes[i] = quint8(m_value >> (8 * (7 - i)));
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

} // namespace Sluice::Server
