// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Response.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

#include <chrono>
#include <optional>

namespace Sluice {

class ErrorData;

/// What went wrong: with a stream (EventSource::errorOccurred), a sign-in or refresh
/// (AuthSession), an API call (ApiReply) or the token store. Implicitly shared value type.
class SLUICE_EXPORT Error
{
    Q_GADGET
    Q_PROPERTY(Kind kind READ kind)
    Q_PROPERTY(int httpStatus READ httpStatus)
    Q_PROPERTY(QString message READ message)
    Q_PROPERTY(bool willRetry READ willRetry)
    Q_PROPERTY(QString serverCode READ serverCode)
public:
    /// What went wrong, independent of the message's wording.
    enum class Kind {
        NoError,
        // --- transport ---
        Network, ///< connection refused, reset, DNS, dropped in the middle of an event
        Tls, ///< TLS handshake failed or the certificate was not trusted
        Timeout, ///< no bytes (not even a comment) within the read timeout, or a request timed out
        EndOfStream, ///< the server ended the stream after a complete event: a normal end
        HttpStatus, ///< a status that does not open a stream (see httpStatus() and response())
        ContentType, ///< 200 but not text/event-stream
        ParseLimit, ///< a line or event exceeded the parser's limits
        TooManyRedirects,
        RetriesExhausted, ///< the retry policy's attempt or time budget is spent
        // --- sign-in and API ---
        InvalidCredentials, ///< wrong user name or password
        RateLimited, ///< too many attempts; retryAfter() says how long to wait
        Unauthorized, ///< the server refused the access token even after a refresh
        SessionRevoked, ///< the refresh token was revoked (signed out or signed in elsewhere)
        SessionExpired, ///< the refresh token expired: sign in again
        NotSignedIn, ///< the operation needs a signed-in AuthSession
        Forbidden, ///< 403: authenticated, but not allowed
        NotFound, ///< 404: unknown id (or another user's)
        InvalidRequest, ///< 400, 409, 413, 415: the server's message() says what
        ServerError, ///< 5xx
        ProtocolError, ///< the server's answer is not what the API promises
        Keychain, ///< the token store failed (no backend, access denied, ...)
        Canceled, ///< aborted by the caller (or the object was destroyed)
    };
    Q_ENUM(Kind)

    Error();
    /// An error of `kind` with a message for people, the HTTP status (0: none) and whether the
    /// operation retries by itself.
    explicit Error(Kind kind, const QString &message = {}, int httpStatus = 0,
                   bool willRetry = false);
    /// Copies `other`: the data is shared until one of them changes.
    Error(const Error &other);
    /// Moves from `other`, which may then only be assigned to or destroyed.
    Error(Error &&other) noexcept;
    /// Assigns a copy of `other` (shared until one of them changes).
    Error &operator=(const Error &other);
    /// Move-assigns `other`, which may then only be assigned to or destroyed.
    Error &operator=(Error &&other) noexcept;
    ~Error();
    /// Swaps this value with `other`; never fails.
    void swap(Error &other) noexcept { d.swap(other.d); }

    /// False for NoError (the default-constructed Error).
    bool isError() const { return kind() != Kind::NoError; }
    /// What went wrong.
    Kind kind() const;
    /// The HTTP status of the failed request, 0 when no response was received.
    int httpStatus() const;
    /// A human-readable, single-line description; never contains secrets.
    QString message() const;
    /// True when the object that reported it will try again by itself (EventSource reconnects).
    bool willRetry() const;
    /// The server's Retry-After (429/503), capped; nullopt when absent.
    std::optional<std::chrono::milliseconds> retryAfter() const;
    /// The server's JSON error code ("AUTHENTICATION_ERROR", "RATE_LIMITED", ...), when it sent
    /// one.
    QString serverCode() const;
    /// The response of the failed request (status, headers, size-capped body); invalid when
    /// there was none.
    Response response() const;

    /// 401/403 or an authentication kind: fresh credentials might help.
    bool isAuthError() const;
    /// Only a new sign-in (with the password) can help: SessionRevoked, SessionExpired,
    /// NotSignedIn.
    bool requiresSignIn() const;

    /// True when both hold equal values.
    bool operator==(const Error &other) const;
    /// The opposite of operator==().
    bool operator!=(const Error &other) const { return !(*this == other); }

private:
    friend class ErrorBuilder;
    QSharedDataPointer<ErrorData> d;
};

SLUICE_EXPORT QDebug operator<<(QDebug debug, const Error &error);

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::Error)
Q_DECLARE_METATYPE(Sluice::Error)
