// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "contractstream.h"

#include "callbackposter.h"
#include "contractlog.h"

#include <Sluice/EventSource.h>

#include <QtCore/QJsonValue>

#include <chrono>

namespace SluiceContract {

namespace {

bool isHttpUrl(const QUrl &url)
{
    return url.isValid() && !url.host().isEmpty()
        && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"));
}

// A non-negative integer property, or nullopt when absent/null; *ok false when malformed.
std::optional<qint64> optionalMs(const QJsonObject &params, QLatin1String key, bool *ok)
{
    const QJsonValue value = params.value(key);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isDouble() || value.toDouble() < 0) {
        *ok = false;
        return std::nullopt;
    }
    return qint64(value.toDouble());
}

} // namespace

ContractStream::ContractStream(QObject *parent)
    : QObject(parent)
{
    m_listenedTypes.insert(QStringLiteral("message"));
}

ContractStream::~ContractStream() = default;

ContractStream *ContractStream::create(const QJsonObject &params, QNetworkAccessManager *manager,
                                       QString *error, QObject *parent)
{
    const QUrl streamUrl(params.value(QLatin1String("streamUrl")).toString(), QUrl::StrictMode);
    const QUrl callbackUrl(params.value(QLatin1String("callbackUrl")).toString(), QUrl::StrictMode);
    if (!isHttpUrl(streamUrl) || !isHttpUrl(callbackUrl)) {
        *error = QStringLiteral("streamUrl and callbackUrl must be http(s) URLs");
        return nullptr;
    }
    bool ok = true;
    const auto initialDelay = optionalMs(params, QLatin1String("initialDelayMs"), &ok);
    const auto readTimeout = optionalMs(params, QLatin1String("readTimeoutMs"), &ok);
    const QJsonValue headers = params.value(QLatin1String("headers"));
    if (!ok || !(headers.isUndefined() || headers.isNull() || headers.isObject())) {
        *error = QStringLiteral("bad initialDelayMs, readTimeoutMs or headers");
        return nullptr;
    }

    auto *stream = new ContractStream(parent);
    stream->m_tag = params.value(QLatin1String("tag")).toString();
    stream->m_callbacks = new CallbackPoster(callbackUrl, manager, stream);
    auto *source = new Sluice::EventSource(streamUrl, stream);
    stream->m_source = source;

    QByteArray contentType = QByteArrayLiteral("text/plain; charset=utf-8");
    const QJsonObject headerObject = headers.toObject();
    for (auto it = headerObject.begin(); it != headerObject.end(); ++it) {
        const QByteArray name = it.key().toUtf8();
        const QByteArray value = it.value().toString().toUtf8();
        if (name.compare("content-type", Qt::CaseInsensitive) == 0)
            contentType = value;
        else
            source->setRawHeader(name, value);
    }
    const QString method = params.value(QLatin1String("method")).toString();
    if (!method.isEmpty())
        source->setMethod(method.toUtf8());
    if (params.contains(QLatin1String("body")))
        source->setBody(params.value(QLatin1String("body")).toString().toUtf8(), contentType);
    const QString lastEventId = params.value(QLatin1String("lastEventId")).toString();
    if (!lastEventId.isEmpty())
        source->setLastEventId(lastEventId);
    if (readTimeout && *readTimeout > 0)
        source->setReadTimeout(std::chrono::milliseconds(*readTimeout));
    if (initialDelay) {
        Sluice::RetryPolicy policy = source->retryPolicy();
        policy.setInitialDelay(std::chrono::milliseconds(*initialDelay));
        source->setRetryPolicy(policy);
    }

    connect(source, &Sluice::EventSource::eventReceived, stream, &ContractStream::onEvent);
    connect(source, &Sluice::EventSource::comment, stream, [stream](const QString &text) {
        stream->m_callbacks->post({ { QStringLiteral("kind"), QStringLiteral("comment") },
                                    { QStringLiteral("comment"), text } });
    });
    connect(source, &Sluice::EventSource::errorOccurred, stream,
            [stream](const Sluice::Error &error) {
                // The harness's Go client reads "error"; service_spec.md shows "comment".
                stream->m_callbacks->post({ { QStringLiteral("kind"), QStringLiteral("error") },
                                            { QStringLiteral("error"), error.message() },
                                            { QStringLiteral("comment"), error.message() } });
            });

    qCInfo(lcContract) << "stream created:" << stream->m_tag;
    source->open();
    return stream;
}

ContractStream::CommandResult ContractStream::command(const QJsonObject &body)
{
    const QString command = body.value(QLatin1String("command")).toString();
    if (command == QLatin1String("restart")) {
        m_source->reconnect();
        return CommandResult::Ok;
    }
    if (command == QLatin1String("listen")) {
        const QString type = body.value(QLatin1String("listen"))
                                 .toObject()
                                 .value(QLatin1String("type"))
                                 .toString();
        if (type.isEmpty())
            return CommandResult::Unknown;
        m_listenedTypes.insert(type);
        return CommandResult::Ok;
    }
    return CommandResult::Unknown;
}

void ContractStream::stop()
{
    qCInfo(lcContract) << "stream closed:" << m_tag;
    m_source->close();
}

void ContractStream::onEvent(const Sluice::Event &event)
{
    // Like a browser EventSource: only "message" and the types someone listens for.
    if (!m_listenedTypes.contains(event.type()))
        return;
    QJsonObject fields { { QStringLiteral("type"), event.type() },
                         { QStringLiteral("data"), event.data() } };
    if (!event.lastEventId().isEmpty())
        fields.insert(QStringLiteral("id"), event.lastEventId());
    m_callbacks->post({ { QStringLiteral("kind"), QStringLiteral("event") },
                        { QStringLiteral("event"), fields } });
}

} // namespace SluiceContract
