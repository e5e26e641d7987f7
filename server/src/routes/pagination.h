// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Pagination of the GET list routes (sessions, prompts of a session): `?limit=` (1..1000, default
// 100) and `?cursor=`, the `nextCursor` of the previous page. Keyset pagination: the cursor holds
// the sort key of the last row returned, so pages stay consistent while rows are added or deleted
// (no skipped or repeated rows, unlike an offset), and every page costs the same.
//
// The cursor is opaque to clients: base64url of a versioned, list-tagged key. A cursor that this
// server did not hand out for that list is a 400 INVALID_CURSOR; a bad limit a 400
// VALIDATION_ERROR. The one place cursors are encoded and decoded.
#pragma once

#include "store/store.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonValue>
#include <QtHttpServer/QHttpServerResponse>

#include <optional>
#include <variant>

class QHttpServerRequest;

namespace Sluice::Server::Routes {

// Which list a cursor belongs to (a sessions cursor is refused on a prompts list).
enum class ListKind { Sessions, Prompts };

inline constexpr int defaultPageLimit = 100;
inline constexpr int maxPageLimit = 1000;

struct PageQuery
{
    int limit = defaultPageLimit;
    std::optional<PageKey> after;
};

// The page the request asks for, or the complete 400 reply.
std::variant<PageQuery, QHttpServerResponse> pageQuery(const QHttpServerRequest &request,
                                                       ListKind kind);

QByteArray encodeCursor(ListKind kind, const PageKey &key);
std::optional<PageKey> decodeCursor(ListKind kind, const QByteArray &cursor);

// The reply's "nextCursor": the cursor of `next`, or null on the last page.
QJsonValue nextCursorJson(ListKind kind, const std::optional<PageKey> &next);

} // namespace Sluice::Server::Routes
