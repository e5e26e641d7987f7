// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "config/keyfiles.h"

#include "config/secrets.h"
#include "logging.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QRandomGenerator>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Sluice::Server {

namespace {

QString systemError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

std::optional<QByteArray> readKeyFile(const QString &path, const QString &what, bool production,
                                      QString *error)
{
    const auto key = Secrets::readFile(path, what + QStringLiteral(" key"), production, error);
    if (!key)
        return std::nullopt;
    if (key->size() < minimumKeyBytes) {
        *error = QStringLiteral("%1 key in %2 is too short (%3 bytes; at least %4 required)")
                     .arg(what, path)
                     .arg(key->size())
                     .arg(minimumKeyBytes);
        return std::nullopt;
    }
    return key;
}

// Writes a new random key with 0600 from the start (O_EXCL: never overwrites).
std::optional<QByteArray> generateKeyFile(const QString &path, const QString &what, QString *error)
{
    QByteArray raw(48, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(raw.data()),
                                          raw.size() / qsizetype(sizeof(quint32)));
    const QByteArray key
        = raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const QByteArray encodedPath = QFile::encodeName(path);
    const int fd = ::open(encodedPath.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        *error = QStringLiteral("cannot create %1 key file %2 (%3)").arg(what, path, systemError());
        return std::nullopt;
    }
    const QByteArray content = key + '\n';
    const bool ok = ::write(fd, content.constData(), size_t(content.size())) == content.size()
        && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        *error = QStringLiteral("cannot write %1 key file %2 (%3)").arg(what, path, systemError());
        QFile::remove(path);
        return std::nullopt;
    }
    qCInfo(lcConfig, "generated a new %s key in %s (mode 0600)", qPrintable(what),
           qPrintable(path));
    return key;
}

struct KeySource
{
    QString what; // "access" / "stream"
    QString envName;
    QString file; // configured or default path
    QByteArray key; // empty: still to be generated
    bool generate = false;
};

// Reads a configured key (file or environment) or decides that it must be generated; nothing is
// written here, so a configuration error never leaves a half-generated key pair behind.
bool resolveKey(const ServerConfig &config, const QString &configuredFile, const QString &envSecret,
                KeySource &source, QString *error)
{
    if (!configuredFile.isEmpty()) {
        source.file = configuredFile;
        const auto key = readKeyFile(configuredFile, source.what, config.production, error);
        if (!key)
            return false;
        source.key = *key;
        return true;
    }
    if (!envSecret.isEmpty()) {
        const QByteArray key = envSecret.toUtf8().trimmed();
        if (key.size() < minimumKeyBytes) {
            *error = QStringLiteral("%1 is too short (%2 bytes; at least %3 required)")
                         .arg(source.envName)
                         .arg(key.size())
                         .arg(minimumKeyBytes);
            return false;
        }
        source.file.clear();
        source.key = key;
        return true;
    }
    if (config.production && !config.generateKeys) {
        *error = QStringLiteral("production mode needs a configured %1 key (--%1-key-file or %2, "
                                "or --generate-keys)")
                     .arg(source.what, source.envName);
        return false;
    }
    source.file = QDir(config.dataDir).filePath(source.what + u".key");
    if (QFileInfo::exists(source.file)) {
        const auto key = readKeyFile(source.file, source.what, config.production, error);
        if (!key)
            return false;
        source.key = *key;
        return true;
    }
    source.generate = true;
    return true;
}

} // namespace

bool ensureDataDir(const QString &dataDir, QString *error)
{
    const QFileInfo info(dataDir);
    if (info.exists()) {
        if (!info.isDir()) {
            *error = QStringLiteral("data directory %1 is not a directory").arg(dataDir);
            return false;
        }
        return true;
    }
    if (!QDir().mkpath(dataDir)) {
        *error = QStringLiteral("cannot create data directory %1").arg(dataDir);
        return false;
    }
    QFile::setPermissions(dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return true;
}

bool loadOrCreateKeys(ServerConfig &config, const QString &accessKeyEnv,
                      const QString &streamKeyEnv, QString *error)
{
    KeySource access { QStringLiteral("access"), QStringLiteral("SLUICE_ACCESS_KEY"), {}, {} };
    KeySource stream { QStringLiteral("stream"), QStringLiteral("SLUICE_STREAM_KEY"), {}, {} };
    if (!resolveKey(config, config.accessKeyFile, accessKeyEnv, access, error)
        || !resolveKey(config, config.streamKeyFile, streamKeyEnv, stream, error)) {
        return false;
    }
    for (KeySource *source : { &access, &stream }) {
        if (!source->generate)
            continue;
        const auto key = generateKeyFile(source->file, source->what, error);
        if (!key)
            return false;
        source->key = *key;
    }
    if (access.key == stream.key) {
        *error = QStringLiteral("the access key and the stream key must be different");
        return false;
    }
    config.accessKey = access.key;
    config.streamKey = stream.key;
    config.accessKeyFile = access.file;
    config.streamKeyFile = stream.file;
    return true;
}

} // namespace Sluice::Server
