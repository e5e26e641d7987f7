// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RouteTable: the single list of the server's routes. Registration goes through add(), which both
// registers the rule with QHttpServer and records it, so the 405 logic, `--print-routes` and the
// OpenAPI coverage test all read the same table.
//
// Paths use OpenAPI template syntax: "/api/claude-code/sessions/{sid}". Each {name} matches one
// non-empty path segment and is passed to the handler in order.
#pragma once

#include <QtCore/QList>
#include <QtCore/QRegularExpression>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponder>
#include <QtHttpServer/QHttpServerResponse>

#include <functional>
#include <optional>

class QHttpServer;

namespace Sluice::Server {

struct RouteInfo
{
    QHttpServerRequest::Method method;
    QString path; // OpenAPI template, e.g. /api/claude-code/sessions/{sid}
};

class RouteTable
{
public:
    using Handler
        = std::function<QHttpServerResponse(const QHttpServerRequest &, const QStringList &args)>;

    RouteTable(QHttpServer &server, qint64 maxBodyBytes);

    // Handlers are called only for bodies within maxBodyBytes (413 otherwise). At most 3 {params}.
    void add(QHttpServerRequest::Method method, const QString &path, Handler handler);
    void get(const QString &path, Handler handler)
    {
        add(QHttpServerRequest::Method::Get, path, std::move(handler));
    }
    void post(const QString &path, Handler handler)
    {
        add(QHttpServerRequest::Method::Post, path, std::move(handler));
    }

    // Handlers that write their reply through the responder (streams; added by streaming). They
    // must apply the CORS policy and log themselves (ResponseFinisher), and check body limits.
    using ResponderHandler = std::function<void(const QHttpServerRequest &, const QStringList &args,
                                                QHttpServerResponder &)>;
    void addResponder(QHttpServerRequest::Method method, const QString &path,
                      ResponderHandler handler);

    // The 413 answer for a body over the limit, which add() gives for its handlers and
    // responder handlers with a body ask for themselves.
    std::optional<QHttpServerResponse> bodyTooLarge(const QHttpServerRequest &request) const;

    QList<RouteInfo> routes() const;
    // Methods registered for the path of a request ("/a/b"), empty when no route matches it.
    QList<QHttpServerRequest::Method> methodsForPath(const QString &requestPath) const;
    // The template of the first route matching a request path ("/a/{id}"), empty when none does.
    QString templateForPath(const QString &requestPath) const;

private:
    struct Entry
    {
        RouteInfo info;
        QRegularExpression pattern;
    };
    QHttpServer &m_server;
    qint64 m_maxBodyBytes;
    QList<Entry> m_entries;
};

} // namespace Sluice::Server
