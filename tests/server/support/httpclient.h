// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// HttpClient: a small synchronous HTTP client for integration tests (QNetworkAccessManager + a
// local event loop with a timeout). Status 0 means a network error or timeout (see `error`).
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QUrl>
#include <QtNetwork/QNetworkAccessManager>

namespace Sluice::Test {

using Headers = QList<QPair<QByteArray, QByteArray>>;

struct HttpResponse
{
    int status = 0;
    QByteArray body;
    QJsonDocument json;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString error;

    QJsonObject object() const { return json.object(); }
    QString errorCode() const { return object().value(QLatin1String("code")).toString(); }
    bool hasHeader(const QByteArray &name) const;
    // Values of all headers with that name (case-insensitive), joined with ", ".
    QByteArray header(const QByteArray &name) const;
};

class HttpClient
{
public:
    explicit HttpClient(QUrl baseUrl);

    HttpResponse request(const QByteArray &method, const QString &pathAndQuery,
                         const QByteArray &body = {}, const Headers &headers = {});
    HttpResponse get(const QString &path, const Headers &headers = {});
    HttpResponse post(const QString &path, const QByteArray &body, const Headers &headers = {});
    HttpResponse postJson(const QString &path, const QJsonObject &body,
                          const Headers &headers = {});

    // POST /api/auth/login; the access token, or empty on failure.
    QByteArray login(const QString &userName, const QString &password);

    static Headers bearer(const QByteArray &token, Headers more = {});

    int timeoutMs = 30000;

private:
    QUrl m_baseUrl;
    QNetworkAccessManager m_nam;
};

// The sum of the series of `name` in a /metrics text whose labels contain every one of
// labelParts (`route="/healthz"`); `name` may also be a whole series (`name{a="b"}`). 0 when
// none is there.
double metricValue(const QByteArray &metrics, const QByteArray &name,
                   const QList<QByteArray> &labelParts = {});

} // namespace Sluice::Test
