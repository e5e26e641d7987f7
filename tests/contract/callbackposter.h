// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QUrl>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
QT_END_NAMESPACE

namespace SluiceContract {

// Delivers one stream's callback messages to the harness: POST <callbackUrl>/<n> with a JSON
// body, n counting from 1 per stream (service_spec.md: the harness re-orders by that counter).
class CallbackPoster : public QObject
{
    Q_OBJECT
public:
    CallbackPoster(const QUrl &callbackUrl, QNetworkAccessManager *manager,
                   QObject *parent = nullptr);

    void post(const QJsonObject &message);
    int sentCount() const { return m_counter; }

private:
    QUrl m_base;
    QNetworkAccessManager *m_manager;
    int m_counter = 0;
};

} // namespace SluiceContract
