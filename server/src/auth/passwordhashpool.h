// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PasswordHashPool: login password checks (scrypt, PasswordHasher) off the event-loop thread, so a
// burst of logins does not stall every stream. A dedicated thread pool with a bounded queue and a
// global budget of hashes per second: at the OWASP cost one hash holds 128 MiB and a core for a
// few hundred ms, so neither may grow with the number of clients trying. Refused checks come back
// with the Retry-After to send with the 503.
//
// Everything but the hash stays on the owner's thread (the store is thread-affine): the caller
// reads the stored hash, the worker only computes, and `done` runs on this object's thread.
#pragma once

#include "auth/passwordhasher.h"
#include "ops/tokenbucket.h"

#include <QtCore/QByteArray>
#include <QtCore/QObject>
#include <QtCore/QThreadPool>

#include <chrono>
#include <functional>
#include <optional>

namespace Sluice::Server {

class PasswordHashPool : public QObject
{
    Q_OBJECT
public:
    using Clock = std::chrono::steady_clock;

    struct Options
    {
        int threads = 2;
        int maxWaiting = 32; // checks queued behind the running ones
        int hashesPerSecond = 10; // bursts of as many
        ScryptParameters parameters; // of upgraded hashes and of the unknown-user dummy
    };

    struct Outcome
    {
        bool verified = false;
        // Set when the password verified against a hash weaker than Options::parameters: the
        // password hashed again with them, for the caller to store.
        QByteArray upgradedHash;
    };
    using Done = std::function<void(const Outcome &)>;

    enum class Refusal { QueueFull, OverBudget };
    struct Refused
    {
        Refusal reason;
        std::chrono::seconds retryAfter;
    };

    explicit PasswordHashPool(const Options &options, QObject *parent = nullptr);
    // Waits for the hashes already running; checks still queued are dropped with their `done`.
    ~PasswordHashPool() override;

    // Checks `password` against `encodedHash` on a worker; an empty `encodedHash` (unknown user)
    // runs the dummy check of the same cost. `done` runs later on this object's thread, never
    // from inside verify(). When refused nothing runs and `done` is dropped.
    std::optional<Refused> verify(const QByteArray &password, const QByteArray &encodedHash,
                                  Done done, Clock::time_point now = Clock::now());

    const ScryptParameters &parameters() const { return m_options.parameters; }
    // Checks accepted and not yet done (running or queued).
    int pending() const { return m_pending; }

private:
    void finished(qint64 hashMs, const Outcome &outcome, const Done &done);
    std::chrono::seconds queueWait() const;

    Options m_options;
    TokenBucket m_budget;
    int m_pending = 0;
    double m_averageHashMs = 0; // moving average, for Retry-After; 0 until the first hash
    QThreadPool m_threads; // last: destroyed (and joined) first
};

} // namespace Sluice::Server
