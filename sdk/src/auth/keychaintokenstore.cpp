// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/KeychainTokenStore.h>

#include "core/logging_p.h"

#include <qt6keychain/keychain.h>

namespace Sluice {

namespace {

bool isMissingService(const QString &text)
{
    static const char *const signs[] = {
        "Could not connect",
        "autolaunch",
        "DBus",
        "D-Bus",
        "org.freedesktop.secrets",
        "ServiceUnknown",
        "not provided by any .service",
        "No such interface",
    };
    for (const char *sign : signs) {
        if (text.contains(QLatin1String(sign), Qt::CaseInsensitive))
            return true;
    }
    return false;
}

Error keychainError(QKeychain::Error code, const QString &text, TokenStoreJob::Operation operation)
{
    const QString action = operation == TokenStoreJob::Operation::Read ? QStringLiteral("read")
        : operation == TokenStoreJob::Operation::Write                 ? QStringLiteral("write")
                                                                       : QStringLiteral("remove");
    switch (code) {
    case QKeychain::NoError:
        return {};
    case QKeychain::EntryNotFound:
        return Error(Error::Kind::NotSignedIn,
                     QStringLiteral("No remembered session for this server and user"));
    case QKeychain::NoBackendAvailable:
        return Error(Error::Kind::Keychain,
                     QStringLiteral("No keychain is available to %1 the token: %2 (on Linux a "
                                    "Secret Service such as GNOME Keyring or KWallet must run "
                                    "on the D-Bus session bus)")
                         .arg(action, text));
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return Error(Error::Kind::Keychain,
                     QStringLiteral("The keychain denied access (%1): %2").arg(action, text));
    case QKeychain::OtherError:
        // Without a reachable session bus or Secret Service, QtKeychain reports OtherError
        // with D-Bus's message: it still means "no keychain here".
        if (isMissingService(text))
            return keychainError(QKeychain::NoBackendAvailable, text, operation);
        break;
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::NotImplemented:
        break;
    }
    return Error(Error::Kind::Keychain,
                 QStringLiteral("The keychain could not %1 the token: %2").arg(action, text));
}

} // namespace

class KeychainTokenStorePrivate
{
public:
    QString serviceName;

    TokenStoreJob *start(KeychainTokenStore *store, QKeychain::Job *keychainJob,
                         TokenStoreJob::Operation operation, const QString &key)
    {
        auto *job = new TokenStoreJob(operation, key, store);
        keychainJob->setAutoDelete(true);
        keychainJob->setInsecureFallback(false); // never a plain-text file
        keychainJob->setKey(key);
        QObject::connect(
            keychainJob, &QKeychain::Job::finished, job,
            [job, operation](QKeychain::Job *finished) {
                QKeychain::Error code = finished->error();
                // Removing what is not there is success.
                if (operation == TokenStoreJob::Operation::Remove
                    && code == QKeychain::EntryNotFound)
                    code = QKeychain::NoError;
                const Error error = keychainError(code, finished->errorString(), operation);
                // Reported through the job; logged for diagnostics only.
                if (error.kind() == Error::Kind::Keychain)
                    qCInfo(lcTokenStore).noquote() << error.message();
                QByteArray token;
                if (!error.isError() && operation == TokenStoreJob::Operation::Read)
                    token = static_cast<QKeychain::ReadPasswordJob *>(finished)->binaryData();
                job->complete(error, token);
            });
        keychainJob->start();
        return job;
    }
};

KeychainTokenStore::KeychainTokenStore(const QString &serviceName, QObject *parent)
    : TokenStore(parent)
    , d(std::make_unique<KeychainTokenStorePrivate>())
{
    d->serviceName = serviceName;
}

KeychainTokenStore::~KeychainTokenStore() = default;

QString KeychainTokenStore::serviceName() const
{
    return d->serviceName;
}

TokenStoreJob *KeychainTokenStore::readToken(const QString &key)
{
    return d->start(this, new QKeychain::ReadPasswordJob(d->serviceName),
                    TokenStoreJob::Operation::Read, key);
}

TokenStoreJob *KeychainTokenStore::writeToken(const QString &key, const QByteArray &token)
{
    auto *job = new QKeychain::WritePasswordJob(d->serviceName);
    job->setBinaryData(token);
    return d->start(this, job, TokenStoreJob::Operation::Write, key);
}

TokenStoreJob *KeychainTokenStore::removeToken(const QString &key)
{
    return d->start(this, new QKeychain::DeletePasswordJob(d->serviceName),
                    TokenStoreJob::Operation::Remove, key);
}

} // namespace Sluice
