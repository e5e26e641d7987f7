#include "http/httpcompat.h"

#include <QTcpServer>

namespace Sluice::Server::HttpCompat {

void bind(QHttpServer &server, QTcpServer *listener)
{
    server.bind(listener);
}

void setAfterRequestHook(QHttpServer &server, AfterRequestHook hook)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    server.afterRequest([hook = std::move(hook)](QHttpServerResponse &&response,
                                                 const QHttpServerRequest &request) {
        hook(request, response);
        return std::move(response);
    });
#else
    server.addAfterRequestHandler(
        &server,
        [hook = std::move(hook)](const QHttpServerRequest &request, QHttpServerResponse &response) {
            hook(request, response);
        });
#endif
}

void setMissingHandler(QHttpServer &server, MissingHandler handler)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    server.setMissingHandler([handler = std::move(handler)](const QHttpServerRequest &request,
                                                            QHttpServerResponder &&responder) {
        write(responder, handler(request));
    });
#else
    server.setMissingHandler(&server,
                             [handler = std::move(handler)](const QHttpServerRequest &request,
                                                            QHttpServerResponder &responder) {
                                 write(responder, handler(request));
                             });
#endif
}

void write(QHttpServerResponder &responder, QHttpServerResponse &&response)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
    response.write(std::move(responder));
#else
    responder.sendResponse(response);
#endif
}

QTcpSocket *socketOf(const QHttpServerResponder &responder)
{
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    return responder.socket();
#else
    Q_UNUSED(responder);
    return nullptr;
#endif
}

} // namespace Sluice::Server::HttpCompat
