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

/// The head of one HTTP response (and, for a response that was rejected, the start of its body):
/// what an auth layer needs to tell "token expired" from "wrong prompt" from "server busy".
/// Implicitly shared; an invalid Response (status() == 0) means no response was received.
class SLUICE_EXPORT Response
{
    Q_GADGET
    Q_PROPERTY(int status READ status)
    Q_PROPERTY(QString reasonPhrase READ reasonPhrase)
    Q_PROPERTY(QUrl url READ url)
    Q_PROPERTY(QByteArray body READ body)
public:
    /// A rejected response's body is kept up to this many bytes (error JSON is far smaller).
    static constexpr qsizetype MaxBodyBytes = 64 * 1024;

    Response();
    /// Copies `other`: the data is shared until one of them changes.
    Response(const Response &other);
    /// Moves from `other`, which may then only be assigned to or destroyed.
    Response(Response &&other) noexcept;
    /// Assigns a copy of `other` (shared until one of them changes).
    Response &operator=(const Response &other);
    /// Move-assigns `other`, which may then only be assigned to or destroyed.
    Response &operator=(Response &&other) noexcept;
    ~Response();
    /// Swaps this value with `other`; never fails.
    void swap(Response &other) noexcept { d.swap(other.d); }

    /// False when no response was received (status() 0).
    bool isValid() const { return status() != 0; }
    /// The HTTP status code, 0 when no response was received.
    int status() const;
    /// The status line's reason phrase as the server sent it.
    QString reasonPhrase() const;
    /// The URL that answered (after redirects, the hop's URL). Query values are not redacted:
    /// do not log it as is.
    QUrl url() const;
    /// Every response header in order, names as received.
    QList<QPair<QByteArray, QByteArray>> headers() const;
    /// The value of a header (case-insensitive name); several headers of that name are joined
    /// with ", ". Empty when absent.
    QByteArray header(QByteArrayView name) const;
    /// Whether the response has a header of this name (case-insensitive).
    bool hasHeader(QByteArrayView name) const;

    /// The body of a rejected response, at most MaxBodyBytes (see isBodyTruncated()). Empty for an
    /// accepted stream (its body is the event stream).
    QByteArray body() const;
    /// True when body() was cut at MaxBodyBytes.
    bool isBodyTruncated() const;

    /// The server's JSON error, when the body is one ({"error": "...", "code": "..."}): its
    /// `code` (e.g. "AUTHENTICATION_ERROR") and `error` message; empty otherwise.
    QString serverErrorCode() const;
    /// The `error` message of the server's JSON error, empty otherwise.
    QString serverErrorMessage() const;

    /// True when both hold equal values.
    bool operator==(const Response &other) const;
    /// The opposite of operator==().
    bool operator!=(const Response &other) const { return !(*this == other); }

private:
    friend class ResponseBuilder;
    QSharedDataPointer<ResponseData> d;
};

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::Response)
Q_DECLARE_METATYPE(Sluice::Response)
