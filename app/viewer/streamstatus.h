// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>
#include <Sluice/PromptStream.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QString>

namespace SluiceViewer {

// What the status bar says about one prompt's stream: "connecting", "live", "reconnecting in
// 3 s (attempt 2)", "ended", "failed: ..." and the last event id. A value fed by the stream's
// signals; text() is computed when asked, so the countdown moves on each call.
class StreamStatus
{
public:
    void setState(Sluice::PromptStream::State state);
    void setReconnecting(int attempt, std::chrono::milliseconds delay);
    void setError(const Sluice::Error &error);
    void setLastEventId(const QString &id) { m_lastEventId = id; }

    Sluice::PromptStream::State state() const { return m_state; }
    int attempt() const { return m_attempt; }
    QString lastEventId() const { return m_lastEventId; }
    Sluice::Error lastError() const { return m_error; }
    bool isCountingDown() const;

    QString text() const;
    QString lastEventText() const;

private:
    Sluice::PromptStream::State m_state = Sluice::PromptStream::State::Idle;
    int m_attempt = 0;
    QDeadlineTimer m_reconnectAt;
    Sluice::Error m_error;
    QString m_lastEventId;
};

} // namespace SluiceViewer
