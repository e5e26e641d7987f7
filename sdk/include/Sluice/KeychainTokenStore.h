// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/TokenStore.h>

#include <memory>

namespace Sluice {

class KeychainTokenStorePrivate;

/// A TokenStore in the operating system's keychain through QtKeychain: the Secret Service
/// (GNOME Keyring, KWallet) on Linux, Keychain on macOS, the Credential Store on Windows. Entries
/// live under serviceName() with TokenStore::keyFor() keys. QtKeychain's insecure plain-text
/// fallback is never enabled: without a keychain, operations fail with an Error of kind Keychain
/// that says why (e.g. no Secret Service on the D-Bus session bus).
class SLUICE_EXPORT KeychainTokenStore : public TokenStore
{
    Q_OBJECT
public:
    /// A store whose entries are kept in the OS keychain under `serviceName` (one entry per key).
    explicit KeychainTokenStore(const QString &serviceName = QStringLiteral("sluice"),
                                QObject *parent = nullptr);
    ~KeychainTokenStore() override;

    /// The keychain service the entries are stored under.
    QString serviceName() const;

    /// Reads the keychain entry `key` (none: error kind NotSignedIn, as TokenStore::readToken()).
    TokenStoreJob *readToken(const QString &key) override;
    /// Creates or replaces the keychain entry `key`.
    TokenStoreJob *writeToken(const QString &key, const QByteArray &token) override;
    TokenStoreJob *removeToken(const QString &key) override;

private:
    std::unique_ptr<KeychainTokenStorePrivate> d;
};

} // namespace Sluice
