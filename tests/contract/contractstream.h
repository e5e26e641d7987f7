// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QSet>
#include <QtCore/QString>

#include <optional>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
QT_END_NAMESPACE

namespace Sluice {
class EventSource;
class Event;
} // namespace Sluice

namespace SluiceContract {

class CallbackPoster;

// One SSE client instance the harness created with `POST /`: a Sluice::EventSource configured
// from the harness's parameters, reporting events, comments and errors as callbacks.
class ContractStream : public QObject
{
    Q_OBJECT
public:
    // nullptr (and *error set) when the parameters are invalid (-> 400).
    static ContractStream *create(const QJsonObject &params, QNetworkAccessManager *manager,
                                  QString *error, QObject *parent = nullptr);
    ~ContractStream() override;

    enum class CommandResult { Ok, Unknown };
    // `listen` (event-type-listeners) and `restart`.
    CommandResult command(const QJsonObject &body);
    void stop();

private:
    explicit ContractStream(QObject *parent);
    void onEvent(const Sluice::Event &event);

    Sluice::EventSource *m_source = nullptr;
    CallbackPoster *m_callbacks = nullptr;
    QSet<QString> m_listenedTypes;
    QString m_tag;
};

} // namespace SluiceContract
