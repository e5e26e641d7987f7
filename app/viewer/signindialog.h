// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>
#include <Sluice/Job.h>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtWidgets/QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace Sluice {
class AuthSession;
}

namespace SluiceViewer {

// Server URL, user name, password and "remember me"; signs in with the AuthSession and stays
// open on failure, saying why in its message line: wrong password, rate limited (the Sign In
// button waits out the server's Retry-After with a countdown), server unreachable, TLS.
class SignInDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SignInDialog(Sluice::AuthSession *session, QWidget *parent = nullptr);
    ~SignInDialog() override;

    QUrl serverUrl() const;
    void setServerUrl(const QUrl &url);
    QString userName() const;
    void setUserName(const QString &name);
    void setPassword(const QString &password);
    bool remember() const;
    void setRemember(bool remember);

    // The message line: an error (styled as one) or a hint.
    void showMessage(const QString &text, bool isError);
    QString message() const;
    // The outcome of the last attempt (NoError before any, or after success).
    Sluice::Error lastError() const { return m_lastError; }
    bool isBusy() const { return m_job != nullptr; }
    QPushButton *signInButton() const { return m_signInButton; }

public Q_SLOTS:
    void signIn();
    void reject() override;

Q_SIGNALS:
    void signedIn();

private:
    void setBusy(bool busy);
    void updateCountdown();
    void finished(Sluice::Job *job);

    Sluice::AuthSession *m_session;
    QLineEdit *m_server;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QCheckBox *m_remember;
    QLabel *m_message;
    QPushButton *m_signInButton;
    QPointer<Sluice::Job> m_job;
    Sluice::Error m_lastError;
    QUrl m_attemptUrl;
    QDeadlineTimer m_retryAt; // a server-imposed wait before the next attempt
    QTimer m_countdown;
};

} // namespace SluiceViewer
