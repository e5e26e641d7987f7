// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "http/routetable.h"

#include "http/httpcompat.h"
#include "http/jsonreply.h"

#include <QtHttpServer/QHttpServer>

namespace Sluice::Server {

namespace {

const QRegularExpression &parameterPattern()
{
    static const QRegularExpression re(QStringLiteral("\\{[A-Za-z_][A-Za-z0-9_]*\\}"));
    return re;
}

QString toQtPattern(const QString &path)
{
    QString qtPath = path;
    qtPath.replace(parameterPattern(), QStringLiteral("<arg>"));
    return qtPath;
}

QRegularExpression toMatcher(const QString &path)
{
    QString regex;
    qsizetype last = 0;
    auto it = parameterPattern().globalMatch(path);
    while (it.hasNext()) {
        const auto match = it.next();
        regex += QRegularExpression::escape(path.mid(last, match.capturedStart() - last));
        regex += QStringLiteral("[^/]+");
        last = match.capturedEnd();
    }
    regex += QRegularExpression::escape(path.mid(last));
    return QRegularExpression(QRegularExpression::anchoredPattern(regex));
}

} // namespace

RouteTable::RouteTable(QHttpServer &server, qint64 maxBodyBytes)
    : m_server(server)
    , m_maxBodyBytes(maxBodyBytes)
{ }

std::optional<QHttpServerResponse> RouteTable::bodyTooLarge(const QHttpServerRequest &request) const
{
    if (request.body().size() <= m_maxBodyBytes)
        return std::nullopt;
    return jsonError(QHttpServerResponse::StatusCode::PayloadTooLarge, ErrorCode::payloadTooLarge,
                     QStringLiteral("request body exceeds %1 bytes").arg(m_maxBodyBytes));
}

void RouteTable::add(QHttpServerRequest::Method method, const QString &path, Handler handler)
{
    Handler guarded = [this, handler = std::move(handler)](const QHttpServerRequest &request,
                                                           const QStringList &args) {
        if (auto tooLarge = bodyTooLarge(request))
            return std::move(*tooLarge);
        return handler(request, args);
    };

    const QString qtPath = toQtPattern(path);
    const auto parameters = path.count(parameterPattern());
    bool ok = false;
    switch (parameters) {
    case 0:
        ok = m_server.route(qtPath, method, [guarded](const QHttpServerRequest &request) {
            return guarded(request, {});
        });
        break;
    case 1:
        ok = m_server.route(qtPath, method,
                            [guarded](const QString &a, const QHttpServerRequest &request) {
                                return guarded(request, { a });
                            });
        break;
    case 2:
        ok = m_server.route(
            qtPath, method,
            [guarded](const QString &a, const QString &b, const QHttpServerRequest &request) {
                return guarded(request, { a, b });
            });
        break;
    case 3:
        ok = m_server.route(qtPath, method,
                            [guarded](const QString &a, const QString &b, const QString &c,
                                      const QHttpServerRequest &request) {
                                return guarded(request, { a, b, c });
                            });
        break;
    default:
        break;
    }
    Q_ASSERT_X(ok, "RouteTable::add", "route could not be registered");
    if (ok)
        m_entries.append({ { method, path }, toMatcher(path) });
}

void RouteTable::addResponder(QHttpServerRequest::Method method, const QString &path,
                              ResponderHandler handler)
{
    using HttpCompat::Responder;
    const QString qtPath = toQtPattern(path);
    bool ok = false;
    switch (path.count(parameterPattern())) {
    case 0:
        ok = m_server.route(qtPath, method,
                            [handler](const QHttpServerRequest &request, Responder responder) {
                                handler(request, {}, responder);
                            });
        break;
    case 1:
        ok = m_server.route(qtPath, method,
                            [handler](const QString &a, const QHttpServerRequest &request,
                                      Responder responder) { handler(request, { a }, responder); });
        break;
    case 2:
        ok = m_server.route(qtPath, method,
                            [handler](const QString &a, const QString &b,
                                      const QHttpServerRequest &request, Responder responder) {
                                handler(request, { a, b }, responder);
                            });
        break;
    case 3:
        ok = m_server.route(qtPath, method,
                            [handler](const QString &a, const QString &b, const QString &c,
                                      const QHttpServerRequest &request, Responder responder) {
                                handler(request, { a, b, c }, responder);
                            });
        break;
    default:
        break;
    }
    Q_ASSERT_X(ok, "RouteTable::addResponder", "route could not be registered");
    if (ok)
        m_entries.append({ { method, path }, toMatcher(path) });
}

QList<RouteInfo> RouteTable::routes() const
{
    QList<RouteInfo> result;
    result.reserve(m_entries.size());
    for (const auto &entry : m_entries)
        result.append(entry.info);
    return result;
}

QList<QHttpServerRequest::Method> RouteTable::methodsForPath(const QString &requestPath) const
{
    QList<QHttpServerRequest::Method> methods;
    for (const auto &entry : m_entries) {
        if (entry.pattern.match(requestPath).hasMatch() && !methods.contains(entry.info.method))
            methods.append(entry.info.method);
    }
    return methods;
}

QString RouteTable::templateForPath(const QString &requestPath) const
{
    for (const auto &entry : m_entries) {
        if (entry.pattern.match(requestPath).hasMatch())
            return entry.info.path;
    }
    return {};
}

} // namespace Sluice::Server
