// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "ops/producerkey.h"

#include "config/secrets.h"
#include "config/serverconfig.h"

#include <QtHttpServer/QHttpServerRequest>

namespace Sluice::Server::ProducerKey {

bool matches(const QByteArray &configured, const QByteArray &presented)
{
    return configured.size() >= minimumLength && Secrets::equal(configured, presented);
}

Check check(const ServerConfig &config, const QHttpServerRequest &request)
{
    int present = 0;
    QByteArray presented;
    for (const auto &header : request.headers()) {
        if (header.first.compare(headerName, Qt::CaseInsensitive) == 0) {
            ++present;
            presented = header.second.trimmed();
        }
    }
    if (present == 0)
        return Check::Absent;
    if (present > 1)
        return Check::Ambiguous; // which one would count is anyone's guess: refuse
    return matches(config.producerKey, presented) ? Check::Valid : Check::Invalid;
}

bool load(ServerConfig &config, const QByteArray &envKey, QString *error)
{
    return Secrets::load(config.producerKeyFile, envKey, QStringLiteral("producer key"),
                         minimumLength, config.production, &config.producerKey, error);
}

} // namespace Sluice::Server::ProducerKey
