// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "contractservice.h"

#include "contractlog.h"
#include "contractstream.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTimer>
#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponder>
#include <QtHttpServer/QHttpServerResponse>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpSocket>

namespace SluiceContract {

using Method = QHttpServerRequest::Method;
using Status = QHttpServerResponse::StatusCode;

ContractService::ContractService(QObject *parent)
    : QObject(parent)
{
    registerRoutes();
}

ContractService::~ContractService() = default;

QStringList ContractService::capabilities()
{
    // Only what Sluice::EventSource really does (see README.md).
    return { QStringLiteral("headers"),
             QStringLiteral("last-event-id"),
             QStringLiteral("post"),
             QStringLiteral("report"),
             QStringLiteral("read-timeout"),
             QStringLiteral("restart"),
             QStringLiteral("comments"),
             QStringLiteral("bom"),
             QStringLiteral("event-type-listeners"),
             QStringLiteral("server-directed-shutdown-request") };
}

quint16 ContractService::listen(quint16 port)
{
    m_port = m_server.listen(QHostAddress::LocalHost, port);
    return m_port;
}

void ContractService::registerRoutes()
{
    m_server.route(QStringLiteral("/"), Method::Get, [] {
        return QHttpServerResponse(QJsonObject {
            { QStringLiteral("capabilities"), QJsonArray::fromStringList(capabilities()) } });
    });

    m_server.route(QStringLiteral("/"), Method::Delete,
                   [this](const QHttpServerRequest &, QHttpServerResponder &&responder) {
                       responder.write(QHttpServerResponder::StatusCode::NoContent);
                       if (QTcpSocket *socket = responder.socket())
                           socket->flush();
                       qCInfo(lcContract) << "stop requested";
                       QMetaObject::invokeMethod(
                           this, [this] { Q_EMIT stopRequested(); }, Qt::QueuedConnection);
                   });

    m_server.route(QStringLiteral("/"), Method::Post, [this](const QHttpServerRequest &request) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(request.body(), &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject())
            return QHttpServerResponse(QByteArrayLiteral("text/plain"),
                                       QByteArrayLiteral("body must be a JSON object\n"),
                                       Status::BadRequest);
        QString error;
        ContractStream *stream
            = ContractStream::create(document.object(), &m_network, &error, this);
        if (!stream)
            return QHttpServerResponse(QByteArrayLiteral("text/plain"), error.toUtf8() + '\n',
                                       Status::BadRequest);
        const int id = m_nextId++;
        m_streams.insert(id, stream);
        QUrl location;
        location.setScheme(QStringLiteral("http"));
        location.setHost(QStringLiteral("127.0.0.1"));
        location.setPort(m_port);
        location.setPath(QStringLiteral("/streams/%1").arg(id));
        QHttpServerResponse response(Status::Created);
        response.setHeader(QByteArrayLiteral("Location"), location.toEncoded());
        return response;
    });

    m_server.route(QStringLiteral("/streams/<arg>"), Method::Post,
                   [this](int id, const QHttpServerRequest &request) {
                       ContractStream *stream = m_streams.value(id);
                       if (!stream)
                           return QHttpServerResponse(Status::NotFound);
                       const QJsonObject body = QJsonDocument::fromJson(request.body()).object();
                       if (stream->command(body) != ContractStream::CommandResult::Ok)
                           return QHttpServerResponse(Status::BadRequest);
                       return QHttpServerResponse(Status::Accepted);
                   });

    m_server.route(QStringLiteral("/streams/<arg>"), Method::Delete, [this](int id) {
        ContractStream *stream = m_streams.take(id);
        if (!stream)
            return QHttpServerResponse(Status::NotFound);
        stream->stop();
        stream->deleteLater();
        return QHttpServerResponse(Status::NoContent);
    });
}

} // namespace SluiceContract
