// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The client's last event id: `Last-Event-ID` header (EventSource reconnects) or
// `?last_event_id=` (a new browser EventSource resuming), the header winning.
#pragma once

#include <QtCore/QtGlobal>

#include <optional>
#include <variant>

class QHttpServerRequest;

namespace Sluice::Server {

struct InvalidLastEventId
{
};

// 0 when absent (replay from the first event); InvalidLastEventId when it is not a decimal
// sequence number (digits only, at most 18).
std::variant<qint64, InvalidLastEventId> lastEventId(const QHttpServerRequest &request);

} // namespace Sluice::Server
