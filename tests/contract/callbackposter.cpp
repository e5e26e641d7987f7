// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "callbackposter.h"

#include "contractlog.h"

#include <QtCore/QJsonDocument>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

namespace SluiceContract {

CallbackPoster::CallbackPoster(const QUrl &callbackUrl, QNetworkAccessManager *manager,
                               QObject *parent)
    : QObject(parent)
    , m_base(callbackUrl)
    , m_manager(manager)
{
    QString path = m_base.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    m_base.setPath(path);
}

void CallbackPoster::post(const QJsonObject &message)
{
    ++m_counter;
    QUrl url = m_base;
    url.setPath(m_base.path() + QLatin1Char('/') + QString::number(m_counter));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply
        = m_manager->post(request, QJsonDocument(message).toJson(QJsonDocument::Compact));
    const int number = m_counter;
    connect(reply, &QNetworkReply::finished, reply, [reply, number] {
        if (reply->error() != QNetworkReply::NoError)
            qCWarning(lcContract) << "callback" << number << "failed:" << reply->errorString();
        reply->deleteLater();
    });
}

} // namespace SluiceContract
