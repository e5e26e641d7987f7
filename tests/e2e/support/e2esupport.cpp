// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "support/e2esupport.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

namespace Sluice::Test {

Error waitForJob(Job *job, int timeoutMs)
{
    auto done = std::make_shared<bool>(false);
    auto error = std::make_shared<Error>();
    QObject::connect(job, &Job::finished, job, [done, error](Job *finished) {
        *error = finished->error();
        *done = true;
    });
    if (!waitUntil([done] { return *done; }, timeoutMs))
        return Error(Error::Kind::Timeout, QStringLiteral("the job did not finish in time"));
    return *error;
}

bool waitUntil(const std::function<bool()> &predicate, int timeoutMs)
{
    // Not QTest::qWait(): it sleeps 10 ms between passes of the event loop, which adds up to tens
    // of milliseconds per request when every hop (client, proxy, job) needs a pass of its own.
    QDeadlineTimer deadline(timeoutMs);
    QTimer wakeUp; // bounds each wait, so the deadline and the predicate are checked regularly
    wakeUp.start(20);
    while (!predicate()) {
        if (deadline.hasExpired())
            return predicate();
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
    return true;
}

SignedInUser signIn(ServerProcess &server, const QUrl &baseUrl, const QString &userName,
                    const QString &password, bool create, QString *error)
{
    SignedInUser user;
    if (create && !server.addUser(userName, password)) {
        *error = server.errorString();
        return user;
    }
    auto session = std::make_unique<AuthSession>(baseUrl);
    const Error result = waitForJob(session->login(userName, password));
    if (result.isError()) {
        *error = QStringLiteral("login failed: %1").arg(result.message());
        return user;
    }
    user.api = std::make_unique<ApiClient>(session.get());
    user.session = std::move(session);
    return user;
}

QPair<QString, QString> createPrompt(ApiClient &api, const QString &text, QString *error)
{
    QString sessionId;
    ApiReply *created = api.createSession(QStringLiteral("e2e"));
    created->setAutoDelete(false);
    const Error sessionError = waitForJob(created);
    if (sessionError.isError()) {
        *error = sessionError.message();
        delete created;
        return {};
    }
    sessionId = created->session().id();
    delete created;
    ApiReply *prompt = api.createPrompt(sessionId, text);
    prompt->setAutoDelete(false);
    const Error promptError = waitForJob(prompt);
    if (promptError.isError()) {
        *error = promptError.message();
        delete prompt;
        return {};
    }
    const QString promptId = prompt->prompt().id();
    delete prompt;
    return { sessionId, promptId };
}

StreamRecorder::StreamRecorder(PromptStream *stream, QObject *parent)
    : QObject(parent)
{
    connect(stream, &PromptStream::eventReceived, this, [this](const Event &event) {
        if (event.type() == u"connected") {
            ++connectedEvents;
            return;
        }
        ids.append(event.lastEventId().toLongLong());
        types.append(event.type());
        data.append(event.data());
        if (event.type() == u"done")
            ++doneEvents;
    });
    connect(stream, &PromptStream::reconnecting, this, [this] { ++reconnects; });
    connect(stream, &PromptStream::errorOccurred, this,
            [this](const Error &error) { errors.append(error); });
    connect(stream, &PromptStream::finished, this, [this] { finished = true; });
}

bool StreamRecorder::idsAreOneToN() const
{
    for (qsizetype i = 0; i < ids.size(); ++i) {
        if (ids.at(i) != i + 1)
            return false;
    }
    return true;
}

QString StreamRecorder::summary() const
{
    QString firstErrors;
    for (qsizetype i = 0; i < std::min<qsizetype>(errors.size(), 3); ++i)
        firstErrors += errors.at(i).message() + QStringLiteral("; ");
    return QStringLiteral("%1 events (last id %2), %3 done, %4 reconnects, %5 errors: %6")
        .arg(ids.size())
        .arg(ids.isEmpty() ? 0 : ids.last())
        .arg(doneEvents)
        .arg(reconnects)
        .arg(errors.size())
        .arg(firstErrors);
}

} // namespace Sluice::Test
