// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "support/httpclient.h"

#include <QtCore/QEventLoop>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

namespace Sluice::Test {

bool HttpResponse::hasHeader(const QByteArray &name) const
{
    for (const auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray HttpResponse::header(const QByteArray &name) const
{
    QByteArrayList values;
    for (const auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            values.append(header.second);
    }
    return values.join(", ");
}

HttpClient::HttpClient(QUrl baseUrl)
    : m_baseUrl(std::move(baseUrl))
{
    m_nam.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

HttpResponse HttpClient::request(const QByteArray &method, const QString &pathAndQuery,
                                 const QByteArray &body, const Headers &headers)
{
    QNetworkRequest request(QUrl(m_baseUrl.toString() + pathAndQuery));
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    for (const auto &header : headers)
        request.setRawHeader(header.first, header.second);

    QNetworkReply *reply = nullptr;
    if (body.isEmpty() && (method == "GET" || method == "OPTIONS" || method == "DELETE")) {
        reply = m_nam.sendCustomRequest(request, method);
    } else {
        reply = m_nam.sendCustomRequest(request, method, body);
    }

    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    if (!reply->isFinished())
        loop.exec();

    HttpResponse response;
    if (!reply->isFinished()) {
        reply->abort();
        response.error = QStringLiteral("timeout after %1 ms").arg(timeoutMs);
        reply->deleteLater();
        return response;
    }
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.body = reply->readAll();
    response.headers = reply->rawHeaderPairs();
    if (reply->error() != QNetworkReply::NoError && response.status == 0)
        response.error = reply->errorString();
    response.json = QJsonDocument::fromJson(response.body);
    reply->deleteLater();
    return response;
}

HttpResponse HttpClient::get(const QString &path, const Headers &headers)
{
    return request(QByteArrayLiteral("GET"), path, {}, headers);
}

HttpResponse HttpClient::post(const QString &path, const QByteArray &body, const Headers &headers)
{
    return request(QByteArrayLiteral("POST"), path, body, headers);
}

HttpResponse HttpClient::postJson(const QString &path, const QJsonObject &body,
                                  const Headers &headers)
{
    Headers all = headers;
    all.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
    return post(path, QJsonDocument(body).toJson(QJsonDocument::Compact), all);
}

QByteArray HttpClient::login(const QString &userName, const QString &password)
{
    const HttpResponse response = postJson(
        QStringLiteral("/api/auth/login"),
        { { QStringLiteral("username"), userName }, { QStringLiteral("password"), password } });
    if (response.status != 200)
        return {};
    return response.object().value(QLatin1String("accessToken")).toString().toLatin1();
}

Headers HttpClient::bearer(const QByteArray &token, Headers more)
{
    more.prepend({ QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token });
    return more;
}

double metricValue(const QByteArray &metrics, const QByteArray &name,
                   const QList<QByteArray> &labelParts)
{
    double sum = 0;
    for (const QByteArray &line : metrics.split('\n')) {
        if (!line.startsWith(name) || line.startsWith('#'))
            continue;
        const QByteArray rest = line.mid(name.size());
        if (!rest.startsWith('{') && !rest.startsWith(' '))
            continue;
        bool all = true;
        for (const QByteArray &part : labelParts)
            all = all && rest.contains(part);
        if (!all)
            continue;
        sum += line.mid(line.lastIndexOf(' ') + 1).toDouble();
    }
    return sum;
}

} // namespace Sluice::Test
