// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/MemoryTokenStore.h>

#include <QtCore/QHash>
#include <QtCore/QStringList>

namespace Sluice {

class MemoryTokenStorePrivate
{
public:
    QHash<QString, QByteArray> tokens;
};

MemoryTokenStore::MemoryTokenStore(QObject *parent)
    : TokenStore(parent)
    , d(std::make_unique<MemoryTokenStorePrivate>())
{ }

MemoryTokenStore::~MemoryTokenStore() = default;

TokenStoreJob *MemoryTokenStore::readToken(const QString &key)
{
    auto *job = new TokenStoreJob(TokenStoreJob::Operation::Read, key, this);
    const auto it = d->tokens.constFind(key);
    if (it == d->tokens.cend())
        job->complete(Error(Error::Kind::NotSignedIn,
                            QStringLiteral("No remembered session for this server and user")));
    else
        job->complete({}, it.value());
    return job;
}

TokenStoreJob *MemoryTokenStore::writeToken(const QString &key, const QByteArray &token)
{
    auto *job = new TokenStoreJob(TokenStoreJob::Operation::Write, key, this);
    d->tokens.insert(key, token);
    job->complete({});
    return job;
}

TokenStoreJob *MemoryTokenStore::removeToken(const QString &key)
{
    auto *job = new TokenStoreJob(TokenStoreJob::Operation::Remove, key, this);
    d->tokens.remove(key);
    job->complete({});
    return job;
}

QStringList MemoryTokenStore::keys() const
{
    QStringList keys = d->tokens.keys();
    keys.sort();
    return keys;
}

} // namespace Sluice
