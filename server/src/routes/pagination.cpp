// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "routes/pagination.h"

#include "http/jsonreply.h"
#include "routes/routesupport.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QUrlQuery>
#include <QtHttpServer/QHttpServerRequest>

namespace Sluice::Server::Routes {

namespace {

constexpr qsizetype maxCursorChars = 128;

char tag(ListKind kind)
{
    return kind == ListKind::Sessions ? 's' : 'p';
}

QHttpServerResponse invalidCursor()
{
    return jsonError(QHttpServerResponse::StatusCode::BadRequest, ErrorCode::invalidCursor,
                     QStringLiteral("cursor is not a nextCursor of this list (start again "
                                    "without a cursor)"));
}

// The one value of a query parameter; nullopt when absent, an error when repeated.
std::optional<QString> single(const QUrlQuery &query, const QString &name, bool *repeated)
{
    const QStringList values = query.allQueryItemValues(name, QUrl::FullyDecoded);
    *repeated = values.size() > 1;
    if (values.isEmpty())
        return std::nullopt;
    return values.constFirst();
}

} // namespace

QByteArray encodeCursor(ListKind kind, const PageKey &key)
{
    // "<list tag>1.<created_at ms>.<row id>": the "1" versions the layout.
    QByteArray text;
    text += tag(kind);
    text += '1';
    text += '.';
    text += QByteArray::number(key.createdAtMs);
    text += '.';
    text += QByteArray::number(key.rowId);
    return text.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<PageKey> decodeCursor(ListKind kind, const QByteArray &cursor)
{
    if (cursor.isEmpty() || cursor.size() > maxCursorChars)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
        cursor, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    static const QRegularExpression shape(QStringLiteral("^([sp])1\\.(\\d{1,18})\\.(\\d{1,18})$"));
    const auto match = shape.match(QString::fromLatin1(*decoded));
    if (!match.hasMatch() || match.captured(1).at(0) != QLatin1Char(tag(kind)))
        return std::nullopt;
    return PageKey { match.captured(2).toLongLong(), match.captured(3).toLongLong() };
}

QJsonValue nextCursorJson(ListKind kind, const std::optional<PageKey> &next)
{
    if (!next)
        return QJsonValue(QJsonValue::Null);
    return QString::fromLatin1(encodeCursor(kind, *next));
}

std::variant<PageQuery, QHttpServerResponse> pageQuery(const QHttpServerRequest &request,
                                                       ListKind kind)
{
    const QUrlQuery query = request.query();
    PageQuery page;
    bool repeated = false;
    const auto limit = single(query, QStringLiteral("limit"), &repeated);
    if (repeated)
        return validationError(QStringLiteral("limit must be given once"));
    if (limit) {
        static const QRegularExpression digits(QStringLiteral("^\\d{1,4}$"));
        const int value = digits.match(*limit).hasMatch() ? limit->toInt() : 0;
        if (value < 1 || value > maxPageLimit)
            return validationError(
                QStringLiteral("limit must be an integer from 1 to %1").arg(maxPageLimit));
        page.limit = value;
    }
    const auto cursor = single(query, QStringLiteral("cursor"), &repeated);
    if (repeated)
        return validationError(QStringLiteral("cursor must be given once"));
    // An empty cursor is the first page (a client may echo an absent nextCursor as "").
    if (cursor && !cursor->isEmpty()) {
        page.after = decodeCursor(kind, cursor->toLatin1());
        if (!page.after)
            return invalidCursor();
    }
    return page;
}

} // namespace Sluice::Server::Routes
