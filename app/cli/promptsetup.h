// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include "streamoptions.h"

#include <Sluice/Error.h>

#include <QtCore/QObject>

#include <functional>
#include <optional>

namespace Sluice {
class ApiClient;
class AuthSession;
class Job;
class TokenStore;
} // namespace Sluice

namespace SluiceStream {

// Supplies the password of --password-stdin when (and only when) it is needed; nullopt with a
// one-line *error when there is none.
using PasswordProvider = std::function<std::optional<QString>(QString *error)>;

// The server form's way to a prompt: signs in (keychain first with --keychain, then the
// password), creates a session and a prompt for --new-prompt, and says which prompt to follow.
// It writes nothing and decides no exit code: StreamRunner turns its signals into output and
// exit codes. The AuthSession it owns lives as long as the run (it refreshes the tokens the
// stream uses).
class PromptSetup : public QObject
{
    Q_OBJECT
public:
    PromptSetup(const StreamOptions &options, PasswordProvider passwordProvider,
                QObject *parent = nullptr);
    ~PromptSetup() override;

    void start();

    Sluice::AuthSession *session() const { return m_session; }

Q_SIGNALS:
    // The keychain could not sign in (`reason`); the password is tried next.
    void keychainFallback(const Sluice::Error &reason);
    // `with`: "keychain" or "password".
    void signedIn(const QString &with);
    void promptCreated(const QString &sessionId, const QString &promptId);
    // The prompt to follow is known; emitted once, after signedIn (and promptCreated).
    void ready(const QString &sessionId, const QString &promptId);
    // Signing in or creating the prompt failed: the run ends with this error.
    void failed(const Sluice::Error &error);
    // --password-stdin found no password: a usage error.
    void passwordUnavailable(const QString &message);
    // Trouble in the background that does not end the run by itself (a refresh that failed and
    // is retried, the keychain refusing to remember the new sign-in).
    void warning(const Sluice::Error &error);

private:
    void signInWithPassword();
    void onSignedIn(const QString &with);
    void createSession();
    void createPrompt(const QString &sessionId);

    StreamOptions m_options;
    PasswordProvider m_passwordProvider;
    Sluice::AuthSession *m_session;
    Sluice::TokenStore *m_tokenStore = nullptr;
    Sluice::ApiClient *m_api = nullptr;
};

} // namespace SluiceStream
