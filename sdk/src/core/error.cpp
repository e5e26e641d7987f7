// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/Error.h>

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
    qint64 retryAfterMs = -1;
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

qint64 Error::retryAfterMs() const
{
    return d->retryAfterMs;
}

void Error::setRetryAfterMs(qint64 ms)
{
    d->retryAfterMs = ms;
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

} // namespace Sluice
