#include "ops/producerkey.h"

#include "config/serverconfig.h"

#include <QFile>
#include <QHttpServerRequest>

#include <openssl/crypto.h>

namespace Sluice::Server::ProducerKey {

bool matches(const QByteArray &configured, const QByteArray &presented)
{
    if (configured.size() < minimumLength || presented.size() != configured.size())
        return false;
    return CRYPTO_memcmp(configured.constData(), presented.constData(), size_t(configured.size()))
        == 0;
}

Check check(const ServerConfig &config, const QHttpServerRequest &request)
{
    const QByteArray name = QByteArray(headerName).toLower();
    bool present = false;
    QByteArray presented;
    for (const auto &header : request.headers()) {
        if (header.first.toLower() == name) {
            present = true;
            presented = header.second.trimmed();
        }
    }
    if (!present)
        return Check::Absent;
    return matches(config.producerKey, presented) ? Check::Valid : Check::Invalid;
}

bool load(ServerConfig &config, const QByteArray &envKey, QString *error)
{
    QByteArray key = envKey;
    QString source = QStringLiteral("SLUICE_PRODUCER_KEY");
    if (!config.producerKeyFile.isEmpty()) {
        QFile file(config.producerKeyFile);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read the producer key file %1 (%2)")
                         .arg(config.producerKeyFile, file.errorString());
            return false;
        }
        key = file.read(64 * 1024);
        if (key.endsWith('\n'))
            key.chop(1);
        if (key.endsWith('\r'))
            key.chop(1);
        source = config.producerKeyFile;
    }
    if (key.isEmpty() && config.producerKeyFile.isEmpty()) {
        config.producerKey.clear();
        return true;
    }
    if (key.size() < minimumLength) {
        *error = QStringLiteral("the producer key from %1 is shorter than %2 bytes")
                     .arg(source)
                     .arg(minimumLength);
        return false;
    }
    config.producerKey = key;
    return true;
}

} // namespace Sluice::Server::ProducerKey
