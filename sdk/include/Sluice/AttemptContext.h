// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QMetaType>
#include <QtCore/QPointer>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QUrl>

namespace Sluice {

class AttemptContextData;
class EventSource;

/// What an EventSource request hook knows about the request it is preparing. Implicitly shared.
class SLUICE_EXPORT AttemptContext
{
    Q_GADGET
    Q_PROPERTY(int attempt READ attempt)
    Q_PROPERTY(int redirectCount READ redirectCount)
    Q_PROPERTY(bool crossOrigin READ isCrossOrigin)
    Q_PROPERTY(QUrl url READ url)
public:
    AttemptContext();
    /// Copies `other`: the data is shared until one of them changes.
    AttemptContext(const AttemptContext &other);
    /// Moves from `other`, which may then only be assigned to or destroyed.
    AttemptContext(AttemptContext &&other) noexcept;
    /// Assigns a copy of `other` (shared until one of them changes).
    AttemptContext &operator=(const AttemptContext &other);
    /// Move-assigns `other`, which may then only be assigned to or destroyed.
    AttemptContext &operator=(AttemptContext &&other) noexcept;
    ~AttemptContext();
    /// Swaps this value with `other`; never fails.
    void swap(AttemptContext &other) noexcept { d.swap(other.d); }

    /// 1 for the first connection after open(), n + 1 after n consecutive failures (reset once a
    /// connection stays up for RetryPolicy::resetAfter()). Redirect hops keep their attempt's
    /// number.
    int attempt() const;
    /// 0 for the attempt's first request, k for its k-th redirect hop.
    int redirectCount() const;
    /// True for a redirect hop (redirectCount() > 0).
    bool isRedirect() const { return redirectCount() > 0; }
    /// This hop goes to another origin than EventSource::url(). EventSource removes
    /// Authorization, Proxy-Authorization and Cookie headers from such a request after the hook
    /// ran, and a hook must not put a credential into its URL either.
    bool isCrossOrigin() const;
    /// The URL this request goes to (the hop's target for redirects).
    QUrl url() const;
    /// Why this attempt is made: the error that ended the previous one (its kind, status and
    /// response); an Error of kind NoError for the first attempt after open() or resume().
    Error cause() const;

private:
    friend class AttemptContextBuilder;
    QSharedDataPointer<AttemptContextData> d;
};

/// A connection attempt that a request hook put on hold with EventSource::deferAttempt(), e.g.
/// while a token refresh or a keychain read is in flight. Copyable handle; the first resume() or
/// fail() decides, later calls (and calls after the source moved on: close(), reconnect(),
/// destruction) do nothing.
class SLUICE_EXPORT AttemptDeferral
{
public:
    AttemptDeferral();

    /// True while the attempt is waiting for this handle.
    bool isPending() const;
    /// Runs the request hook again with a fresh request, then sends it (unless the hook defers
    /// once more). Call it from the event loop, not from inside the hook.
    void resume() const;
    /// Ends the attempt with `error`: with error.willRetry() the source backs off and tries
    /// again (within its RetryPolicy), otherwise it closes with that error.
    void fail(const Error &error) const;

private:
    friend class EventSource;
    AttemptDeferral(EventSource *source, quint64 serial);
    QPointer<EventSource> m_source;
    quint64 m_serial = 0;
};

} // namespace Sluice

Q_DECLARE_SHARED(Sluice::AttemptContext)
Q_DECLARE_METATYPE(Sluice::AttemptContext)
