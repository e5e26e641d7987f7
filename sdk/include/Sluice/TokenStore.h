// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Job.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QObject>
#include <QtCore/QUrl>

namespace Sluice {

class TokenStoreJobPrivate;

/// The answer of a TokenStore operation. For a read: token() (empty when the entry does not
/// exist: error kind NotSignedIn).
class SLUICE_EXPORT TokenStoreJob : public Job
{
    Q_OBJECT
public:
    /// What a TokenStoreJob does.
    enum class Operation { Read, Write, Remove };
    Q_ENUM(Operation)

    /// For TokenStore implementations: a job of `operation` on the entry `key`; finish it with
    /// complete().
    TokenStoreJob(Operation operation, const QString &key, QObject *parent = nullptr);
    ~TokenStoreJob() override;

    /// What this job does.
    Operation operation() const;
    /// The entry the job reads, writes or removes.
    QString key() const;
    /// The secret that was read (Read only). Never log it.
    QByteArray token() const;

    /// For TokenStore implementations: finish the job with the outcome.
    void complete(const Error &error, const QByteArray &token = {});

private:
    Q_DECLARE_PRIVATE(TokenStoreJob)
};

/// Where an AuthSession keeps its refresh token between runs ("remember me"). Asynchronous like
/// QtKeychain: every operation returns a job. The application chooses the store explicitly:
/// KeychainTokenStore (the OS keychain) or MemoryTokenStore (tests, headless use, nothing
/// persisted); there is no silent fallback to a plain-text file.
class SLUICE_EXPORT TokenStore : public QObject
{
    Q_OBJECT
public:
    ~TokenStore() override;

    /// Reads the token stored under `key`; the job's token() holds it. Error NotSignedIn when there
    /// is none.
    virtual TokenStoreJob *readToken(const QString &key) = 0;
    /// Stores `token` under `key`, replacing what was there.
    virtual TokenStoreJob *writeToken(const QString &key, const QByteArray &token) = 0;
    /// Removing an entry that does not exist succeeds.
    virtual TokenStoreJob *removeToken(const QString &key) = 0;

    /// The key of a user's refresh token on a server: "<scheme://host:port/path> <user>" (the
    /// server URL without query, fragment, user info or trailing slash).
    static QString keyFor(const QUrl &serverUrl, const QString &userName);

protected:
    /// For implementations.
    explicit TokenStore(QObject *parent = nullptr);
};

} // namespace Sluice
