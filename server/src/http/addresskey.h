// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// AddressKey: the unit a per-client limit counts in. An IPv4 address is one client; an IPv6
// address is counted by its /64 prefix (one subnet, usually one host or site, hands out as many
// addresses as it likes); an IPv4-mapped IPv6 address (::ffff:a.b.c.d, dual-stack sockets) is its
// IPv4 address. Used by the Listener's --max-connections-per-ip.
#pragma once

#include <QtCore/QHashFunctions>
#include <QtCore/QString>

class QHostAddress;

namespace Sluice::Server {

class AddressKey
{
public:
    AddressKey() = default;
    static AddressKey of(const QHostAddress &address);

    bool isIPv6() const { return m_ipv6; }
    // "192.0.2.7" or "2001:db8:1:2::/64".
    QString toString() const;

    friend bool operator==(const AddressKey &a, const AddressKey &b)
    {
        return a.m_ipv6 == b.m_ipv6 && a.m_value == b.m_value;
    }
    friend bool operator!=(const AddressKey &a, const AddressKey &b) { return !(a == b); }
    friend size_t qHash(const AddressKey &key, size_t seed = 0) noexcept
    {
        return qHashMulti(seed, key.m_value, key.m_ipv6);
    }

private:
    quint64 m_value = 0; // IPv4 address, or the first 64 bits of the IPv6 address
    bool m_ipv6 = false;
};

} // namespace Sluice::Server
