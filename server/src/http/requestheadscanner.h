// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RequestHeadScanner: finds where an HTTP/1.x request head ends in a byte stream fed in any
// chunking, with QHttpServer 6.4's rules: whitespace before the request line is skipped, the head
// ends at "\n\n" or "\n\r\n" (CRLF and bare LF line ends alike). The Listener uses it to tell a
// request whose head is complete from a peer that trickles one (--request-timeout); it never
// parses the head, so it costs a few comparisons per byte and no memory.
#pragma once

#include <QtCore/QByteArrayView>

namespace Sluice::Server {

class RequestHeadScanner
{
public:
    void reset()
    {
        m_state = State::Leading;
        m_scanned = 0;
    }

    // Feeds the next bytes of the stream; true once the head is complete (further bytes are
    // ignored until reset()).
    bool feed(QByteArrayView bytes)
    {
        for (const char c : bytes) {
            if (m_state == State::Done)
                return true;
            ++m_scanned;
            switch (m_state) {
            case State::Leading:
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\v')
                    m_state = State::Line;
                break;
            case State::Line:
                if (c == '\n')
                    m_state = State::NewLine;
                break;
            case State::NewLine:
                m_state = c == '\n' ? State::Done : c == '\r' ? State::NewLineCr : State::Line;
                break;
            case State::NewLineCr:
                m_state = c == '\n' ? State::Done : State::Line;
                break;
            case State::Done:
                break;
            }
        }
        return m_state == State::Done;
    }

    bool isComplete() const { return m_state == State::Done; }
    // Bytes fed since reset() up to the end of the head.
    qint64 scanned() const { return m_scanned; }

private:
    enum class State : quint8 { Leading, Line, NewLine, NewLineCr, Done };
    State m_state = State::Leading;
    qint64 m_scanned = 0;
};

} // namespace Sluice::Server
