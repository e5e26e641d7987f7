// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "app/demouser.h"

#include "auth/passwordhasher.h"
#include "store/store.h"

#include <QtCore/QRandomGenerator>

namespace Sluice::Server {

std::optional<QString> ensureDemoUser(Store &store, const ScryptParameters &parameters,
                                      QString *error)
{
    // 16 characters from an unambiguous alphabet: ~90 bits.
    static const QLatin1String alphabet("abcdefghjkmnpqrstuvwxyz23456789ABCDEFGHJKLMNPQRSTUVWXYZ");
    QString password;
    for (int i = 0; i < 16; ++i)
        password += alphabet.at(QRandomGenerator::system()->bounded(int(alphabet.size())));
    const QByteArray hash = PasswordHasher::hash(password.toUtf8(), parameters);
    if (hash.isEmpty()) {
        *error = QStringLiteral("cannot hash the demo password");
        return std::nullopt;
    }
    const QString name = QLatin1String(demoUserName);
    if (const auto existing = store.userByName(name)) {
        if (!store.setPasswordHash(existing->id, hash)) {
            *error = QStringLiteral("cannot reset the demo user's password");
            return std::nullopt;
        }
    } else if (!store.createUser(name, hash)) {
        *error = QStringLiteral("cannot create the demo user");
        return std::nullopt;
    }
    return password;
}

} // namespace Sluice::Server
