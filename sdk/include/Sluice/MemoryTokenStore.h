// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/TokenStore.h>

#include <memory>

namespace Sluice {

class MemoryTokenStorePrivate;

/// A TokenStore that forgets everything with the object: for tests, and for headless programs
/// that must never persist a secret. Shared by every AuthSession given the same instance.
class SLUICE_EXPORT MemoryTokenStore : public TokenStore
{
    Q_OBJECT
public:
    /// An empty store; its entries live as long as the object.
    explicit MemoryTokenStore(QObject *parent = nullptr);
    ~MemoryTokenStore() override;

    /// Reads the entry `key` from memory.
    TokenStoreJob *readToken(const QString &key) override;
    /// Creates or replaces the entry `key` in memory.
    TokenStoreJob *writeToken(const QString &key, const QByteArray &token) override;
    TokenStoreJob *removeToken(const QString &key) override;

    /// The keys held (diagnostics and tests).
    QStringList keys() const;

private:
    std::unique_ptr<MemoryTokenStorePrivate> d;
};

} // namespace Sluice
