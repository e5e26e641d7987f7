// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "auth/passwordhashpool.h"

#include <QtCore/QElapsedTimer>

#include <algorithm>
#include <cmath>

namespace Sluice::Server {

PasswordHashPool::PasswordHashPool(const Options &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_budget(double(qMax(1, options.hashesPerSecond)), double(qMax(1, options.hashesPerSecond)),
               Clock::now())
{
    m_options.threads = qMax(1, m_options.threads);
    m_options.maxWaiting = qMax(0, m_options.maxWaiting);
    m_threads.setMaxThreadCount(m_options.threads);
    m_threads.setObjectName(QStringLiteral("password-hash"));
}

PasswordHashPool::~PasswordHashPool()
{
    // Before any member goes: a running worker still posts its result to this object (the post
    // is discarded with the object), and the queued ones must not start.
    m_threads.clear();
    m_threads.waitForDone();
}

std::chrono::seconds PasswordHashPool::queueWait() const
{
    // About when the checks accepted so far are done, `threads` at a time: clients told less
    // would mostly find the queue still full.
    const double hashMs = m_averageHashMs > 0 ? m_averageHashMs : 1000.0;
    const double waves = std::ceil(double(m_pending) / double(m_options.threads));
    const auto seconds = qint64(std::ceil(waves * hashMs / 1000.0));
    return std::chrono::seconds(std::clamp<qint64>(seconds, 1, 60));
}

std::optional<PasswordHashPool::Refused> PasswordHashPool::verify(const QByteArray &password,
                                                                  const QByteArray &encodedHash,
                                                                  Done done, Clock::time_point now)
{
    // The queue first: a refused check must not spend the budget.
    if (m_pending >= m_options.threads + m_options.maxWaiting)
        return Refused { Refusal::QueueFull, queueWait() };
    if (const auto wait = m_budget.take(now))
        return Refused { Refusal::OverBudget, std::chrono::ceil<std::chrono::seconds>(*wait) };

    ++m_pending;
    m_threads.start(
        [this, password, encodedHash, parameters = m_options.parameters, done = std::move(done)] {
            QElapsedTimer timer;
            timer.start();
            Outcome outcome;
            if (encodedHash.isEmpty()) {
                PasswordHasher::verifyDummy(password, parameters);
            } else {
                outcome.verified = PasswordHasher::verify(password, encodedHash);
                if (outcome.verified && PasswordHasher::needsRehash(encodedHash, parameters))
                    outcome.upgradedHash = PasswordHasher::hash(password, parameters);
            }
            const qint64 hashMs = timer.elapsed();
            QMetaObject::invokeMethod(
                this, [this, hashMs, outcome, done] { finished(hashMs, outcome, done); },
                Qt::QueuedConnection);
        });
    return std::nullopt;
}

void PasswordHashPool::finished(qint64 hashMs, const Outcome &outcome, const Done &done)
{
    --m_pending;
    m_averageHashMs
        = m_averageHashMs > 0 ? 0.8 * m_averageHashMs + 0.2 * double(hashMs) : double(hashMs);
    done(outcome);
}

} // namespace Sluice::Server
