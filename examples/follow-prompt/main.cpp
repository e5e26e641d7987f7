// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Signs in, creates a prompt and follows its live stream to `done` with Sluice::PromptStream in
// the mode given on the command line. Every reconnect, token refresh and resume is the SDK's job.
#include <Sluice/ApiClient.h>
#include <Sluice/AuthSession.h>
#include <Sluice/PromptStream.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList args = QCoreApplication::arguments();
    const QString password = qEnvironmentVariable("SLUICE_PASSWORD");
    if (args.size() != 4 || password.isEmpty()) {
        err << "usage: SLUICE_PASSWORD=... follow-prompt SERVER_URL USER token|header|cookie\n";
        return 2;
    }
    const auto mode = args.at(3) == QLatin1String("header") ? Sluice::PromptStream::Mode::Header
        : args.at(3) == QLatin1String("cookie")             ? Sluice::PromptStream::Mode::Cookie
                                                : Sluice::PromptStream::Mode::StreamToken;

    Sluice::AuthSession session(QUrl(args.at(1)));
    Sluice::ApiClient api(&session);
    const auto fail = [&](const Sluice::Error &error) {
        err << "error: " << error.message() << Qt::endl;
        app.exit(1);
    };

    Sluice::Job *login = session.login(args.at(2), password);
    QObject::connect(login, &Sluice::Job::finished, [&](Sluice::Job *job) {
        if (job->error().isError())
            return fail(job->error());
        Sluice::ApiReply *created = api.createSession(QStringLiteral("example"));
        QObject::connect(created, &Sluice::Job::finished, [&](Sluice::Job *job) {
            if (job->error().isError())
                return fail(job->error());
            const QString sessionId = static_cast<Sluice::ApiReply *>(job)->session().id();
            Sluice::ApiReply *prompt = api.createPrompt(sessionId, QStringLiteral("Hello"));
            QObject::connect(prompt, &Sluice::Job::finished, [&, sessionId](Sluice::Job *job) {
                if (job->error().isError())
                    return fail(job->error());
                const QString promptId = static_cast<Sluice::ApiReply *>(job)->prompt().id();

                // The stream: one line per event kind, exit 0 after `done`.
                auto *stream = new Sluice::PromptStream(&session, sessionId, promptId, &app);
                stream->setMode(mode);
                QObject::connect(stream, &Sluice::PromptStream::message,
                                 [&](const QString &text) { out << text << Qt::flush; });
                QObject::connect(stream, &Sluice::PromptStream::toolUse,
                                 [&](const QString &, const QString &name) {
                                     out << "\n[tool " << name << "]\n" << Qt::flush;
                                 });
                QObject::connect(stream, &Sluice::PromptStream::done,
                                 [&] { out << "\n[done]" << Qt::endl; });
                QObject::connect(stream, &Sluice::PromptStream::errorOccurred,
                                 [&](const Sluice::Error &e) { err << e.message() << Qt::endl; });
                QObject::connect(stream, &Sluice::PromptStream::finished, [&, stream] {
                    const int code
                        = stream->state() == Sluice::PromptStream::State::Finished ? 0 : 1;
                    // Gone while the event loop still runs, so the network objects it ends are
                    // deleted too (a deleteLater() after the loop is never carried out).
                    stream->deleteLater();
                    QObject::connect(
                        stream, &QObject::destroyed, &app, [&app, code] { app.exit(code); },
                        Qt::QueuedConnection);
                });
                stream->start();
            });
        });
    });
    return QCoreApplication::exec();
}
