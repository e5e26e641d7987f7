// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "promptsetup.h"

#include <Sluice/ApiClient.h>
#include <Sluice/ApiReply.h>
#include <Sluice/AuthSession.h>
#include <Sluice/KeychainTokenStore.h>

namespace SluiceStream {

namespace {

// The keychain's service name: entries of sluice-stream are kept apart from other applications'.
const QString keychainService = QStringLiteral("sluice-stream");

// Whether a password may succeed where the keychain failed. Not when the server cannot be
// reached or refuses sign-ins for now: the password would fail the same way.
bool passwordMayHelp(const Sluice::Error &error)
{
    using Kind = Sluice::Error::Kind;
    switch (error.kind()) {
    case Kind::Network:
    case Kind::Tls:
    case Kind::Timeout:
    case Kind::ServerError:
    case Kind::RateLimited:
    case Kind::Canceled:
        return false;
    default:
        return true;
    }
}

// The title of a session created for --new-prompt: the start of the prompt's first line.
QString sessionTitleFor(const QString &text)
{
    QString title = text.trimmed().section(QLatin1Char('\n'), 0, 0).trimmed();
    if (title.size() > 80)
        title = title.left(79) + QChar(0x2026);
    return title;
}

} // namespace

PromptSetup::PromptSetup(const StreamOptions &options, PasswordProvider passwordProvider,
                         QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_passwordProvider(std::move(passwordProvider))
    , m_session(new Sluice::AuthSession(options.serverUrl, this))
{
    if (m_options.keychain) {
        // Only with --keychain: with --password-stdin alone nothing is remembered or removed.
        m_tokenStore = new Sluice::KeychainTokenStore(keychainService, this);
        m_session->setTokenStore(m_tokenStore);
    }
    connect(m_session, &Sluice::AuthSession::errorOccurred, this, &PromptSetup::warning);
}

PromptSetup::~PromptSetup() = default;

void PromptSetup::start()
{
    if (!m_options.keychain) {
        signInWithPassword();
        return;
    }
    Sluice::Job *job = m_session->restore(m_options.userName);
    connect(job, &Sluice::Job::finished, this, [this](Sluice::Job *finished) {
        const Sluice::Error error = finished->error();
        if (!error.isError()) {
            onSignedIn(QStringLiteral("keychain"));
            return;
        }
        if (m_options.passwordStdin && passwordMayHelp(error)) {
            Q_EMIT keychainFallback(error);
            signInWithPassword();
            return;
        }
        Q_EMIT failed(error);
    });
}

void PromptSetup::signInWithPassword()
{
    QString problem;
    std::optional<QString> password
        = m_passwordProvider ? m_passwordProvider(&problem) : std::nullopt;
    if (!password) {
        Q_EMIT passwordUnavailable(problem.isEmpty() ? QStringLiteral("no password available")
                                                     : problem);
        return;
    }
    // With --keychain too, the new refresh token is remembered so that the next --keychain run
    // signs in silently.
    const auto remember
        = m_options.keychain ? Sluice::AuthSession::Remember : Sluice::AuthSession::DontRemember;
    Sluice::Job *job = m_session->login(m_options.userName, *password, remember);
    password->fill(QChar(u'\0'));
    connect(job, &Sluice::Job::finished, this, [this](Sluice::Job *finished) {
        if (finished->error().isError())
            Q_EMIT failed(finished->error());
        else
            onSignedIn(QStringLiteral("password"));
    });
}

void PromptSetup::onSignedIn(const QString &with)
{
    Q_EMIT signedIn(with);
    if (!m_options.newPromptText) {
        Q_EMIT ready(m_options.sessionId, m_options.promptId);
        return;
    }
    m_api = new Sluice::ApiClient(m_session, this);
    if (m_options.sessionId.isEmpty())
        createSession();
    else
        createPrompt(m_options.sessionId);
}

void PromptSetup::createSession()
{
    Sluice::ApiReply *reply = m_api->createSession(sessionTitleFor(*m_options.newPromptText));
    connect(reply, &Sluice::Job::finished, this, [this](Sluice::Job *finished) {
        const auto *answer = static_cast<Sluice::ApiReply *>(finished);
        if (answer->error().isError()) {
            Q_EMIT failed(answer->error());
            return;
        }
        const QString sessionId = answer->session().id();
        if (sessionId.isEmpty()) {
            Q_EMIT failed(Sluice::Error(Sluice::Error::Kind::ProtocolError,
                                        QStringLiteral("The server's answer to creating a "
                                                       "session has no id")));
            return;
        }
        createPrompt(sessionId);
    });
}

void PromptSetup::createPrompt(const QString &sessionId)
{
    Sluice::ApiReply *reply = m_api->createPrompt(sessionId, *m_options.newPromptText);
    connect(reply, &Sluice::Job::finished, this, [this, sessionId](Sluice::Job *finished) {
        const auto *answer = static_cast<Sluice::ApiReply *>(finished);
        if (answer->error().isError()) {
            Q_EMIT failed(answer->error());
            return;
        }
        const QString promptId = answer->prompt().id();
        if (promptId.isEmpty()) {
            Q_EMIT failed(Sluice::Error(Sluice::Error::Kind::ProtocolError,
                                        QStringLiteral("The server's answer to creating a "
                                                       "prompt has no id")));
            return;
        }
        Q_EMIT promptCreated(sessionId, promptId);
        Q_EMIT ready(sessionId, promptId);
    });
}

} // namespace SluiceStream
