// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/Response.h>

#include "core/response_p.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

namespace Sluice {

class ResponseData : public QSharedData
{
public:
    int status = 0;
    QString reasonPhrase;
    QUrl url;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool bodyTruncated = false;
    // Parsed once, on demand: {"error": ..., "code": ...}.
    mutable bool errorParsed = false;
    mutable QString errorCode;
    mutable QString errorMessage;

    void parseError() const
    {
        if (errorParsed)
            return;
        errorParsed = true;
        if (body.isEmpty() || bodyTruncated)
            return;
        const QJsonDocument doc = QJsonDocument::fromJson(body);
        if (!doc.isObject())
            return;
        const QJsonObject object = doc.object();
        errorCode = object.value(QLatin1String("code")).toString();
        errorMessage = object.value(QLatin1String("error")).toString();
    }
};

Response::Response()
    : d(new ResponseData)
{ }

Response::Response(const Response &other) = default;
Response::Response(Response &&other) noexcept = default;
Response &Response::operator=(const Response &other) = default;
Response &Response::operator=(Response &&other) noexcept = default;
Response::~Response() = default;

int Response::status() const
{
    return d->status;
}

QString Response::reasonPhrase() const
{
    return d->reasonPhrase;
}

QUrl Response::url() const
{
    return d->url;
}

QList<QPair<QByteArray, QByteArray>> Response::headers() const
{
    return d->headers;
}

QByteArray Response::header(QByteArrayView name) const
{
    QByteArray value;
    for (const auto &[headerName, headerValue] : d->headers) {
        if (headerName.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        if (!value.isEmpty())
            value += ", ";
        value += headerValue;
    }
    return value;
}

bool Response::hasHeader(QByteArrayView name) const
{
    for (const auto &header : d->headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray Response::body() const
{
    return d->body;
}

bool Response::isBodyTruncated() const
{
    return d->bodyTruncated;
}

QString Response::serverErrorCode() const
{
    d->parseError();
    return d->errorCode;
}

QString Response::serverErrorMessage() const
{
    d->parseError();
    return d->errorMessage;
}

bool Response::operator==(const Response &other) const
{
    return d == other.d
        || (d->status == other.d->status && d->reasonPhrase == other.d->reasonPhrase
            && d->url == other.d->url && d->headers == other.d->headers && d->body == other.d->body
            && d->bodyTruncated == other.d->bodyTruncated);
}

// --- ResponseBuilder ---------------------------------------------------------------------------

Response ResponseBuilder::fromReply(const QNetworkReply &reply)
{
    Response response;
    response.d->status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.d->reasonPhrase
        = reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    response.d->url = reply.url();
    const auto &pairs = reply.rawHeaderPairs();
    response.d->headers.reserve(pairs.size());
    for (const auto &pair : pairs)
        response.d->headers.append({ pair.first, pair.second });
    return response;
}

Response ResponseBuilder::withBody(const Response &response, const QByteArray &body, bool truncated)
{
    Response copy = response;
    copy.d->bodyTruncated = truncated || body.size() > Response::MaxBodyBytes;
    copy.d->body = body.left(Response::MaxBodyBytes);
    copy.d->errorParsed = false;
    return copy;
}

Response ResponseBuilder::make(int status, const QList<QPair<QByteArray, QByteArray>> &headers,
                               const QByteArray &body, const QUrl &url)
{
    Response response;
    response.d->status = status;
    response.d->headers = headers;
    response.d->url = url;
    return withBody(response, body, false);
}

} // namespace Sluice
