// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "signindialog.h"

#include "errortext.h"
#include "logging.h"
#include "themecolors.h"

#include <Sluice/AuthSession.h>
#include <Sluice/Job.h>

#include <QtWidgets/QCheckBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

namespace SluiceViewer {

using namespace std::chrono_literals;

SignInDialog::SignInDialog(Sluice::AuthSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_server(new QLineEdit(this))
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_remember(new QCheckBox(QStringLiteral("&Remember me on this computer"), this))
    , m_message(new QLabel(this))
{
    setWindowTitle(QStringLiteral("Sign In to a Sluice Server"));
    setObjectName(QStringLiteral("signInDialog"));

    m_server->setPlaceholderText(QStringLiteral("https://sluice.example.com"));
    m_server->setAccessibleName(QStringLiteral("Server URL"));
    m_server->setObjectName(QStringLiteral("serverUrl"));
    m_user->setAccessibleName(QStringLiteral("User name"));
    m_user->setObjectName(QStringLiteral("userName"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setAccessibleName(QStringLiteral("Password"));
    m_password->setObjectName(QStringLiteral("password"));
    m_remember->setToolTip(QStringLiteral("Keep the sign-in in the system keychain: the next "
                                          "start signs in without the password"));
    m_remember->setAccessibleName(QStringLiteral("Remember me"));
    m_message->setWordWrap(true);
    m_message->setAccessibleName(QStringLiteral("Sign-in message"));
    m_message->setObjectName(QStringLiteral("signInMessage"));
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();

    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("&Server:"), m_server);
    form->addRow(QStringLiteral("&User:"), m_user);
    form->addRow(QStringLiteral("&Password:"), m_password);
    form->addRow(QString(), m_remember);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_signInButton = buttons->addButton(QStringLiteral("Sign In"), QDialogButtonBox::AcceptRole);
    m_signInButton->setDefault(true);
    m_signInButton->setObjectName(QStringLiteral("signInButton"));
    connect(buttons, &QDialogButtonBox::accepted, this, &SignInDialog::signIn);
    connect(buttons, &QDialogButtonBox::rejected, this, &SignInDialog::reject);

    auto *heading = new QLabel(QStringLiteral("Sign in to watch your prompts live"), this);
    QFont headingFont = heading->font();
    headingFont.setBold(true);
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.2);
    heading->setFont(headingFont);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(buttons);
    setMinimumWidth(fontMetrics().averageCharWidth() * 60);

    m_countdown.setInterval(250ms);
    connect(&m_countdown, &QTimer::timeout, this, &SignInDialog::updateCountdown);
    // The server's wait applies to this user on this server: another may sign in at once.
    for (QLineEdit *field : { m_server, m_user }) {
        connect(field, &QLineEdit::textChanged, this, [this] {
            if (!m_countdown.isActive())
                return;
            m_countdown.stop();
            m_signInButton->setEnabled(!m_job);
            showMessage({}, false);
        });
    }
}

SignInDialog::~SignInDialog()
{
    if (m_job)
        m_job->abort();
}

QUrl SignInDialog::serverUrl() const
{
    return QUrl(m_server->text().trimmed(), QUrl::StrictMode);
}

void SignInDialog::setServerUrl(const QUrl &url)
{
    m_server->setText(url.toString());
}

QString SignInDialog::userName() const
{
    return m_user->text().trimmed();
}

void SignInDialog::setUserName(const QString &name)
{
    m_user->setText(name);
    if (!name.isEmpty())
        m_password->setFocus(Qt::OtherFocusReason);
}

void SignInDialog::setPassword(const QString &password)
{
    m_password->setText(password);
}

bool SignInDialog::remember() const
{
    return m_remember->isChecked();
}

void SignInDialog::setRemember(bool remember)
{
    m_remember->setChecked(remember);
}

void SignInDialog::showMessage(const QString &text, bool isError)
{
    QPalette palette = this->palette();
    if (isError)
        palette.setColor(QPalette::WindowText, errorTextColor(palette, QPalette::WindowText));
    m_message->setPalette(palette);
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

QString SignInDialog::message() const
{
    return m_message->isVisible() ? m_message->text() : QString();
}

void SignInDialog::setBusy(bool busy)
{
    for (QWidget *field :
         { static_cast<QWidget *>(m_server), static_cast<QWidget *>(m_user),
           static_cast<QWidget *>(m_password), static_cast<QWidget *>(m_remember) })
        field->setEnabled(!busy);
    m_signInButton->setEnabled(!busy && !m_countdown.isActive());
    m_signInButton->setText(busy ? QStringLiteral("Signing In…") : QStringLiteral("Sign In"));
}

void SignInDialog::signIn()
{
    if (m_job || m_countdown.isActive())
        return;
    const QUrl url = serverUrl();
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        showMessage(QStringLiteral("The server URL must start with http:// or https://."), true);
        m_server->setFocus(Qt::OtherFocusReason);
        return;
    }
    if (userName().isEmpty()) {
        showMessage(QStringLiteral("Enter your user name."), true);
        m_user->setFocus(Qt::OtherFocusReason);
        return;
    }
    if (m_password->text().isEmpty()) {
        showMessage(QStringLiteral("Enter your password."), true);
        m_password->setFocus(Qt::OtherFocusReason);
        return;
    }
    // Changing the URL signs the session out; the same URL keeps it (and its streams).
    if (m_session->serverUrl() != url)
        m_session->setServerUrl(url);
    m_attemptUrl = url;
    showMessage(QStringLiteral("Signing in to %1…").arg(url.toDisplayString()), false);
    setBusy(true);
    qCInfo(lcViewer).noquote() << "signing in to" << url.toDisplayString() << "as" << userName();
    m_job = m_session->login(userName(), m_password->text(),
                             remember() ? Sluice::AuthSession::Remember
                                        : Sluice::AuthSession::DontRemember);
    connect(m_job, &Sluice::Job::finished, this, &SignInDialog::finished);
}

void SignInDialog::finished(Sluice::Job *job)
{
    m_job = nullptr;
    m_lastError = job->error();
    setBusy(false);
    if (!m_lastError.isError()) {
        qCInfo(lcViewer).noquote() << "signed in as" << userName();
        m_password->clear();
        showMessage({}, false);
        accept();
        Q_EMIT signedIn();
        return;
    }
    if (m_lastError.kind() == Sluice::Error::Kind::Canceled)
        return;
    qCWarning(lcViewer).noquote() << "sign-in failed:" << m_lastError.message();
    if (const auto wait = signInRetryDelay(m_lastError)) {
        m_retryAt = QDeadlineTimer(*wait);
        m_countdown.start();
        m_signInButton->setEnabled(false);
    }
    showMessage(signInErrorText(m_lastError, m_attemptUrl), true);
    if (m_lastError.kind() == Sluice::Error::Kind::InvalidCredentials) {
        m_password->setFocus(Qt::OtherFocusReason);
        m_password->selectAll();
    }
}

void SignInDialog::updateCountdown()
{
    if (m_retryAt.hasExpired()) {
        m_countdown.stop();
        m_signInButton->setEnabled(!m_job);
        showMessage(QStringLiteral("You can try again now."), false);
        return;
    }
    showMessage(signInErrorText(m_lastError, m_attemptUrl,
                                std::chrono::milliseconds(m_retryAt.remainingTime())),
                true);
}

void SignInDialog::reject()
{
    if (m_job)
        m_job->abort();
    QDialog::reject();
}

} // namespace SluiceViewer
