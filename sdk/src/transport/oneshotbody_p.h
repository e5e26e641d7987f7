// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QIODevice>

namespace Sluice {

// A request body readable exactly once (a stream attempt, a POST of the API). Qt 6.4's HTTP/1
// channel re-sends a request by itself on a new connection when it misreads a close-delimited
// response as a broken one (see docs/ARCHITECTURE.md, "A request goes out once"); every such
// re-send first rewinds the upload device. This device cannot be rewound, so the re-send fails
// (QNetworkReply::ContentReSendError) instead of reaching the server a second time.
class OneShotBody final : public QIODevice
{
public:
    explicit OneShotBody(const QByteArray &data, QObject *parent = nullptr);

    bool isSequential() const override { return true; }
    bool reset() override { return false; }
    bool seek(qint64) override { return false; }
    qint64 size() const override { return m_data.size(); }
    qint64 bytesAvailable() const override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QByteArray m_data;
    qint64 m_position = 0;
};

} // namespace Sluice
