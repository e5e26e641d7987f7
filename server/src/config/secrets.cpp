// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "config/secrets.h"

#include "logging.h"

#include <QtCore/QFile>

#include <openssl/crypto.h>
#include <sys/stat.h>

namespace Sluice::Server::Secrets {

namespace {
constexpr qint64 maxSecretBytes = 64 * 1024;
} // namespace

std::optional<QByteArray> readFile(const QString &path, const QString &what, bool production,
                                   QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("the %1 file %2 is not readable (%3)")
                     .arg(what, path, file.errorString());
        return std::nullopt;
    }
    struct stat info = {};
    if (::fstat(file.handle(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        const QString problem
            = QStringLiteral("the %1 file %2 can be read or written by its group or others "
                             "(mode %3): chmod 600 %2")
                  .arg(what, path)
                  .arg(info.st_mode & 0777, 3, 8, QLatin1Char('0'));
        if (production) {
            *error = problem;
            return std::nullopt;
        }
        qCWarning(lcConfig).noquote() << problem;
    }
    return file.read(maxSecretBytes).trimmed();
}

bool load(const QString &file, const QByteArray &envValue, const QString &what,
          qsizetype minimumLength, bool production, QByteArray *out, QString *error)
{
    QByteArray secret = envValue.trimmed();
    if (!file.isEmpty()) {
        const auto fromFile = readFile(file, what, production, error);
        if (!fromFile)
            return false;
        secret = *fromFile;
    } else if (secret.isEmpty()) {
        out->clear();
        return true;
    }
    if (secret.size() < minimumLength) {
        *error = QStringLiteral("the %1 from %2 is shorter than %3 bytes")
                     .arg(what, file.isEmpty() ? QStringLiteral("the environment") : file)
                     .arg(minimumLength);
        return false;
    }
    *out = secret;
    return true;
}

bool equal(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

} // namespace Sluice::Server::Secrets
