// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// sluice-contract-service: the test service LaunchDarkly's sse-contract-tests harness drives.
// See README.md.
#include "contractservice.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sluice-contract-service"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "SSE contract-test service for Sluice::EventSource (listens on 127.0.0.1)."));
    parser.addHelpOption();
    const QCommandLineOption portOption(
        { QStringLiteral("p"), QStringLiteral("port") },
        QStringLiteral("Port on 127.0.0.1 (default 8000; 0 picks a free one)."),
        QStringLiteral("PORT"), QStringLiteral("8000"));
    parser.addOption(portOption);
    parser.process(app);

    bool ok = false;
    const uint port = parser.value(portOption).toUInt(&ok);
    if (!ok || port > 65535) {
        std::fprintf(stderr, "sluice-contract-service: bad --port\n");
        return 2;
    }

    SluiceContract::ContractService service;
    const quint16 bound = service.listen(quint16(port));
    if (bound == 0) {
        std::fprintf(stderr, "sluice-contract-service: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    QObject::connect(&service, &SluiceContract::ContractService::stopRequested, &app,
                     &QCoreApplication::quit);
    // Tests read this line to learn the port.
    std::printf("listening on http://127.0.0.1:%u\n", unsigned(bound));
    std::fflush(stdout);
    return QCoreApplication::exec();
}
