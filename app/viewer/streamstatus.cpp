// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "streamstatus.h"

#include "errortext.h"

namespace SluiceViewer {

void StreamStatus::setState(Sluice::PromptStream::State state)
{
    m_state = state;
    if (state == Sluice::PromptStream::State::Live) {
        m_error = {};
        m_attempt = 0;
    }
}

void StreamStatus::setReconnecting(int attempt, std::chrono::milliseconds delay)
{
    m_attempt = attempt;
    m_reconnectAt = QDeadlineTimer(delay);
}

void StreamStatus::setError(const Sluice::Error &error)
{
    m_error = error;
}

bool StreamStatus::isCountingDown() const
{
    return m_state == Sluice::PromptStream::State::Reconnecting && !m_reconnectAt.hasExpired();
}

QString StreamStatus::text() const
{
    using State = Sluice::PromptStream::State;
    switch (m_state) {
    case State::Idle:
        return QStringLiteral("not started");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Live:
        return QStringLiteral("live");
    case State::Reconnecting:
        if (isCountingDown())
            return QStringLiteral("reconnecting in %1 (attempt %2)")
                .arg(waitText(std::chrono::milliseconds(m_reconnectAt.remainingTime())))
                .arg(m_attempt);
        return m_attempt > 0 ? QStringLiteral("reconnecting (attempt %1)").arg(m_attempt)
                             : QStringLiteral("reconnecting");
    case State::Suspended:
        return QStringLiteral("paused");
    case State::Finished:
        return QStringLiteral("ended");
    case State::Failed:
        return m_error.isError() ? QStringLiteral("failed: %1").arg(m_error.message())
                                 : QStringLiteral("failed");
    case State::Stopped:
        return QStringLiteral("stopped");
    }
    return {};
}

QString StreamStatus::lastEventText() const
{
    return m_lastEventId.isEmpty() ? QStringLiteral("no event yet")
                                   : QStringLiteral("last event %1").arg(m_lastEventId);
}

} // namespace SluiceViewer
