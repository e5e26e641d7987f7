// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/Error.h>

#include "core/error_p.h"

#include <QtCore/QDebug>
#include <QtCore/QMetaEnum>

namespace Sluice {

class ErrorData : public QSharedData
{
public:
    Error::Kind kind = Error::Kind::NoError;
    int httpStatus = 0;
    QString message;
    bool willRetry = false;
    std::optional<std::chrono::milliseconds> retryAfter;
    QString serverCode;
    Response response;
};

Error::Error()
    : d(new ErrorData)
{ }

Error::Error(Kind kind, const QString &message, int httpStatus, bool willRetry)
    : d(new ErrorData)
{
    d->kind = kind;
    d->message = message;
    d->httpStatus = httpStatus;
    d->willRetry = willRetry;
}

Error::Error(const Error &other) = default;
Error::Error(Error &&other) noexcept = default;
Error &Error::operator=(const Error &other) = default;
Error &Error::operator=(Error &&other) noexcept = default;
Error::~Error() = default;

Error::Kind Error::kind() const
{
    return d->kind;
}

int Error::httpStatus() const
{
    return d->httpStatus;
}

QString Error::message() const
{
    return d->message;
}

bool Error::willRetry() const
{
    return d->willRetry;
}

std::optional<std::chrono::milliseconds> Error::retryAfter() const
{
    return d->retryAfter;
}

QString Error::serverCode() const
{
    return d->serverCode;
}

Response Error::response() const
{
    return d->response;
}

bool Error::isAuthError() const
{
    switch (d->kind) {
    case Kind::InvalidCredentials:
    case Kind::Unauthorized:
    case Kind::SessionRevoked:
    case Kind::SessionExpired:
    case Kind::NotSignedIn:
    case Kind::Forbidden:
        return true;
    default:
        return d->httpStatus == 401 || d->httpStatus == 403;
    }
}

bool Error::requiresSignIn() const
{
    return d->kind == Kind::SessionRevoked || d->kind == Kind::SessionExpired
        || d->kind == Kind::NotSignedIn;
}

bool Error::operator==(const Error &other) const
{
    return d == other.d
        || (d->kind == other.d->kind && d->httpStatus == other.d->httpStatus
            && d->message == other.d->message && d->willRetry == other.d->willRetry
            && d->retryAfter == other.d->retryAfter && d->serverCode == other.d->serverCode
            && d->response == other.d->response);
}

QDebug operator<<(QDebug debug, const Error &error)
{
    const QDebugStateSaver saver(debug);
    debug.nospace() << "Sluice::Error("
                    << QMetaEnum::fromType<Error::Kind>().valueToKey(int(error.kind()));
    if (error.httpStatus() != 0)
        debug << ", HTTP " << error.httpStatus();
    debug << ", " << error.message() << (error.willRetry() ? ", will retry" : "") << ')';
    return debug;
}

// --- ErrorBuilder ------------------------------------------------------------------------------

ErrorBuilder::ErrorBuilder(Error::Kind kind, const QString &message)
    : m_error(kind, message)
{ }

ErrorBuilder::ErrorBuilder(const Error &from)
    : m_error(from)
{ }

ErrorBuilder &ErrorBuilder::httpStatus(int status)
{
    m_error.d->httpStatus = status;
    return *this;
}

ErrorBuilder &ErrorBuilder::willRetry(bool retry)
{
    m_error.d->willRetry = retry;
    return *this;
}

ErrorBuilder &ErrorBuilder::retryAfter(std::optional<std::chrono::milliseconds> delay)
{
    m_error.d->retryAfter = delay;
    return *this;
}

ErrorBuilder &ErrorBuilder::serverCode(const QString &code)
{
    m_error.d->serverCode = code;
    return *this;
}

ErrorBuilder &ErrorBuilder::response(const Response &response)
{
    m_error.d->response = response;
    if (response.isValid())
        m_error.d->httpStatus = response.status();
    if (m_error.d->serverCode.isEmpty())
        m_error.d->serverCode = response.serverErrorCode();
    return *this;
}

ErrorBuilder &ErrorBuilder::message(const QString &message)
{
    m_error.d->message = message;
    return *this;
}

} // namespace Sluice
