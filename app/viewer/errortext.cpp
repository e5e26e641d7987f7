// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "errortext.h"

namespace SluiceViewer {

QString waitText(std::chrono::milliseconds wait)
{
    const qint64 seconds = std::max<qint64>(1, (wait.count() + 999) / 1000);
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds % 60 == 0)
        return QStringLiteral("%1 min").arg(seconds / 60);
    return QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
}

std::optional<std::chrono::milliseconds> signInRetryDelay(const Sluice::Error &error)
{
    using Kind = Sluice::Error::Kind;
    if (error.kind() != Kind::RateLimited && error.kind() != Kind::ServerError)
        return std::nullopt;
    return error.retryAfter();
}

QString signInErrorText(const Sluice::Error &error, const QUrl &serverUrl,
                        std::optional<std::chrono::milliseconds> waitLeft)
{
    using Kind = Sluice::Error::Kind;
    const QString server = serverUrl.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveQuery
                                                     | QUrl::RemoveFragment);
    const std::optional<std::chrono::milliseconds> wait
        = waitLeft ? waitLeft : signInRetryDelay(error);
    switch (error.kind()) {
    case Kind::NoError:
        return {};
    case Kind::InvalidCredentials:
        return QStringLiteral("Wrong user name or password.");
    case Kind::RateLimited:
        if (wait)
            return QStringLiteral("Too many failed sign-ins. Try again in %1.")
                .arg(waitText(*wait));
        return QStringLiteral("Too many failed sign-ins. Try again later.");
    case Kind::Network:
        return QStringLiteral("Cannot reach the server at %1 (%2).").arg(server, error.message());
    case Kind::Timeout:
        return QStringLiteral("The server at %1 did not answer in time.").arg(server);
    case Kind::Tls:
        return QStringLiteral("The secure connection to %1 failed (%2). Check the URL's scheme "
                              "and the server's certificate.")
            .arg(server, error.message());
    case Kind::ServerError:
        if (wait)
            return QStringLiteral("The server is busy. Try again in %1.").arg(waitText(*wait));
        return QStringLiteral("The server failed: %1").arg(error.message());
    case Kind::SessionRevoked:
    case Kind::SessionExpired:
    case Kind::NotSignedIn:
        return QStringLiteral("Please sign in again: %1").arg(error.message());
    case Kind::Keychain:
        return QStringLiteral("The keychain failed: %1").arg(error.message());
    default:
        return error.message();
    }
}

} // namespace SluiceViewer
