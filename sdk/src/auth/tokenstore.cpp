// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/TokenStore.h>

#include "core/job_p.h"

namespace Sluice {

class TokenStoreJobPrivate : public JobPrivate
{
public:
    TokenStoreJob::Operation operation = TokenStoreJob::Operation::Read;
    QString key;
    QByteArray token;
};

TokenStoreJob::TokenStoreJob(Operation operation, const QString &key, QObject *parent)
    : Job(*new TokenStoreJobPrivate, parent)
{
    Q_D(TokenStoreJob);
    d->operation = operation;
    d->key = key;
}

TokenStoreJob::~TokenStoreJob() = default;

TokenStoreJob::Operation TokenStoreJob::operation() const
{
    Q_D(const TokenStoreJob);
    return d->operation;
}

QString TokenStoreJob::key() const
{
    Q_D(const TokenStoreJob);
    return d->key;
}

QByteArray TokenStoreJob::token() const
{
    Q_D(const TokenStoreJob);
    return d->token;
}

void TokenStoreJob::complete(const Error &error, const QByteArray &token)
{
    Q_D(TokenStoreJob);
    if (isFinished())
        return;
    d->token = error.isError() ? QByteArray() : token;
    finish(error);
}

TokenStore::TokenStore(QObject *parent)
    : QObject(parent)
{ }

TokenStore::~TokenStore() = default;

QString TokenStore::keyFor(const QUrl &serverUrl, const QString &userName)
{
    QUrl url = serverUrl.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment
                                  | QUrl::StripTrailingSlash | QUrl::NormalizePathSegments);
    url.setHost(url.host().toLower());
    url.setScheme(url.scheme().toLower());
    if (url.port() == (url.scheme() == u"https" ? 443 : 80))
        url.setPort(-1);
    return url.toString(QUrl::FullyEncoded) + u' ' + userName;
}

} // namespace Sluice
