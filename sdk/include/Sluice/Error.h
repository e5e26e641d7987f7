// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/sluice_global.h>

#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace Sluice {

class ErrorData;

// What went wrong with a stream. Carried by EventSource::errorOccurred.
class SLUICE_EXPORT Error
{
    Q_GADGET
    Q_PROPERTY(Kind kind READ kind)
    Q_PROPERTY(int httpStatus READ httpStatus)
    Q_PROPERTY(QString message READ message)
    Q_PROPERTY(bool willRetry READ willRetry)
public:
    enum class Kind {
        NoError,
        Network, // connection refused, reset, DNS, TLS, dropped mid-stream
        HttpStatus, // a status that does not open a stream (see httpStatus())
        ContentType, // 200 but not text/event-stream
        ParseLimit, // a line or event exceeded the parser's limits
        Timeout, // no bytes (not even a comment) within the read timeout
        TooManyRedirects,
        RetriesExhausted, // the retry policy's attempt or time budget is spent
    };
    Q_ENUM(Kind)

    Error();
    Error(Kind kind, const QString &message, int httpStatus = 0, bool willRetry = false);
    Error(const Error &other);
    Error(Error &&other) noexcept;
    Error &operator=(const Error &other);
    Error &operator=(Error &&other) noexcept;
    ~Error();

    Kind kind() const;
    // The HTTP status of the failed attempt, 0 when no response was received.
    int httpStatus() const;
    // A human-readable, single-line description; never contains secrets.
    QString message() const;
    // True when EventSource will reconnect by itself after this error.
    bool willRetry() const;
    // The server's Retry-After in milliseconds (429/503), -1 when absent.
    qint64 retryAfterMs() const;
    void setRetryAfterMs(qint64 ms);

    bool isAuthError() const { return httpStatus() == 401 || httpStatus() == 403; }

private:
    QSharedDataPointer<ErrorData> d;
};

SLUICE_EXPORT QDebug operator<<(QDebug debug, const Error &error);

} // namespace Sluice

Q_DECLARE_METATYPE(Sluice::Error)
