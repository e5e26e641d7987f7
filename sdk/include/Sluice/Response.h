// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/sluice_global.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QPair>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QUrl>

namespace Sluice {

class ResponseData;

// The head of one HTTP response (and, for a response that was rejected, the start of its body):
// what an auth layer needs to tell "token expired" from "wrong prompt" from "server busy".
// Implicitly shared; an invalid Response (status() == 0) means no response was received.
class SLUICE_EXPORT Response
{
    Q_GADGET
    Q_PROPERTY(int status READ status)
    Q_PROPERTY(QString reasonPhrase READ reasonPhrase)
    Q_PROPERTY(QUrl url READ url)
    Q_PROPERTY(QByteArray body READ body)
public:
    // A rejected response's body is kept up to this many bytes (error JSON is far smaller).
    static constexpr qsizetype MaxBodyBytes = 64 * 1024;

    Response();
    Response(const Response &other);
    Response(Response &&other) noexcept;
    Response &operator=(const Response &other);
    Response &operator=(Response &&other) noexcept;
    ~Response();
    void swap(Response &other) noexcept { d.swap(other.d); }

    bool isValid() const { return status() != 0; }
    int status() const;
    QString reasonPhrase() const;
    // The URL that answered (after redirects, the hop's URL). Query values are not redacted:
    // do not log it as is.
    QUrl url() const;
    QList<QPair<QByteArray, QByteArray>> headers() const;
    // The value of a header (case-insensitive name); several headers of that name are joined
    // with ", ". Empty when absent.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;

    // The body of a rejected response, at most MaxBodyBytes (see isBodyTruncated()). Empty for an
    // accepted stream (its body is the event stream).
    QByteArray body() const;
    bool isBodyTruncated() const;

    // The server's JSON error, when the body is one ({"error": "...", "code": "..."}): its
    // `code` (e.g. "AUTHENTICATION_ERROR") and `error` message; empty otherwise.
    QString serverErrorCode() const;
    QString serverErrorMessage() const;

    bool operator==(const Response &other) const;
    bool operator!=(const Response &other) const { return !(*this == other); }

private:
    friend class ResponseBuilder;
    QSharedDataPointer<ResponseData> d;
};

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::Response)
Q_DECLARE_METATYPE(Sluice::Response)
