// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Sluice::AuthSession and Sluice::ApiClient against the real sluice-server: sign-in outcomes
// (wrong password, rate limit with its wait, unreachable server, TLS failure), refresh ahead of
// expiry, single-flight refresh when many streams and calls hit 401 together, refresh-token reuse
// signing the legitimate session out, logout, "remember me" through a token store, and the REST
// client's calls, errors and list pages.
#include "support/chaosproxy.h"
#include "support/e2esupport.h"
#include "support/httpclient.h"

#include <Sluice/EventSource.h>
#include <Sluice/MemoryTokenStore.h>

#include <QtCore/QFile>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslServer>
#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>

using namespace Sluice;
using namespace Sluice::Test;
using namespace std::chrono_literals;

namespace {

const QString UserName = QStringLiteral("alice");
const QString Password = QStringLiteral("correct horse battery staple");

QByteArray fetchMetrics(const QUrl &baseUrl)
{
    HttpClient http(baseUrl);
    return http.get(QStringLiteral("/metrics")).body;
}

double refreshRequests(const QUrl &baseUrl)
{
    return metricValue(fetchMetrics(baseUrl), "sluice_http_requests_total",
                       { "route=\"/api/auth/refresh\"" });
}

} // namespace

class TestAuthSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start({ QStringLiteral("--login-max-failures"), QStringLiteral("3") }),
                 qPrintable(m_server.errorString()));
        QVERIFY2(m_server.addUser(UserName, Password), qPrintable(m_server.errorString()));
    }

    void loginSetsStateAndToken()
    {
        AuthSession session(m_server.baseUrl());
        QSignalSpy states(&session, &AuthSession::stateChanged);
        QSignalSpy signedIn(&session, &AuthSession::signedInChanged);
        QCOMPARE(session.state(), AuthSession::State::SignedOut);
        QVERIFY(!session.hasValidAccessToken());

        Job *job = session.login(UserName, Password);
        QCOMPARE(session.state(), AuthSession::State::SigningIn);
        const Error error = waitForJob(job);
        QVERIFY2(!error.isError(), qPrintable(error.message()));
        QCOMPARE(session.state(), AuthSession::State::SignedIn);
        QVERIFY(session.isSignedIn());
        QCOMPARE(session.userName(), UserName);
        QVERIFY(session.hasValidAccessToken());
        QCOMPARE(session.accessTokenGeneration(), quint64(1));
        // The server's default access TTL is 15 minutes.
        QVERIFY(session.accessTokenTimeLeft() > 14min);
        QVERIFY(session.accessTokenTimeLeft() <= 15min);
        QCOMPARE(states.size(), 2); // SigningIn, SignedIn
        QCOMPARE(signedIn.size(), 1);

        QNetworkRequest request;
        QCOMPARE(session.authorize(request), quint64(1));
        QVERIFY(request.rawHeader("Authorization").startsWith("Bearer ey"));
    }

    void wrongPasswordIsInvalidCredentials()
    {
        AuthSession session(m_server.baseUrl());
        const Error error = waitForJob(session.login(UserName, QStringLiteral("wrong")));
        QCOMPARE(error.kind(), Error::Kind::InvalidCredentials);
        QCOMPARE(error.httpStatus(), 401);
        QCOMPARE(error.serverCode(), QStringLiteral("AUTHENTICATION_ERROR"));
        QCOMPARE(error.message(), QStringLiteral("Wrong user name or password"));
        QVERIFY(error.isAuthError());
        QCOMPARE(session.state(), AuthSession::State::SignedOut);
        QVERIFY(!session.hasValidAccessToken());
    }

    void rateLimitedLoginSaysHowLongToWait()
    {
        // --login-max-failures 3, per user name: a fresh name so other tests are not affected.
        QVERIFY(m_server.addUser(QStringLiteral("mallory-target"), Password));
        AuthSession session(m_server.baseUrl());
        Error error;
        for (int i = 0; i < 3; ++i) {
            error = waitForJob(
                session.login(QStringLiteral("mallory-target"), QStringLiteral("guess-%1").arg(i)));
            QCOMPARE(error.kind(), Error::Kind::InvalidCredentials);
        }
        error = waitForJob(session.login(QStringLiteral("mallory-target"), Password));
        QCOMPARE(error.kind(), Error::Kind::RateLimited);
        QCOMPARE(error.httpStatus(), 429);
        QVERIFY(error.retryAfter().has_value());
        QVERIFY(*error.retryAfter() > 0ms);
        QVERIFY2(
            error.message().startsWith(QStringLiteral("Too many failed sign-ins: try again in ")),
            qPrintable(error.message()));
        QCOMPARE(session.state(), AuthSession::State::SignedOut);
    }

    void unreachableServerIsANetworkError()
    {
        QTcpServer reserve; // a port nobody listens on once closed
        QVERIFY(reserve.listen(QHostAddress::LocalHost, 0));
        const quint16 port = reserve.serverPort();
        reserve.close();
        AuthSession session(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        const Error error = waitForJob(session.login(UserName, Password));
        QCOMPARE(error.kind(), Error::Kind::Network);
        QCOMPARE(error.httpStatus(), 0);
        QVERIFY2(error.message().contains(QStringLiteral("cannot reach the server")),
                 qPrintable(error.message()));
        QVERIFY(!error.message().contains(Password));
    }

    void tlsFailureIsATlsError()
    {
        // https:// to a plain-HTTP port: the handshake cannot succeed.
        QUrl url = m_server.baseUrl();
        url.setScheme(QStringLiteral("https"));
        AuthSession session(url);
        session.setRequestTimeout(20s);
        const Error error = waitForJob(session.login(UserName, Password));
        QVERIFY2(error.kind() == Error::Kind::Tls, qPrintable(error.message()));
        QVERIFY2(error.message().contains(QStringLiteral("TLS")), qPrintable(error.message()));
    }

    void untrustedCertificateIsATlsError()
    {
        // A real TLS server whose certificate nobody trusts.
        QFile certFile(QStringLiteral(SLUICE_E2E_DATA_DIR "/selfsigned.crt"));
        QFile keyFile(QStringLiteral(SLUICE_E2E_DATA_DIR "/selfsigned.key"));
        QVERIFY(certFile.open(QIODevice::ReadOnly));
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(QSslCertificate(certFile.readAll()));
        tls.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
        QSslServer server;
        server.setSslConfiguration(tls);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        AuthSession session(QUrl(QStringLiteral("https://127.0.0.1:%1").arg(server.serverPort())));
        const Error error = waitForJob(session.login(UserName, Password));
        QVERIFY2(error.kind() == Error::Kind::Tls, qPrintable(error.message()));
        QVERIFY2(error.message().contains(QStringLiteral("TLS error")),
                 qPrintable(error.message()));
        QCOMPARE(session.state(), AuthSession::State::SignedOut);
    }

    void badInputIsRefusedLocally()
    {
        AuthSession session(m_server.baseUrl());
        QCOMPARE(waitForJob(session.login(QString(), Password)).kind(),
                 Error::Kind::InvalidRequest);
        QCOMPARE(waitForJob(session.refresh()).kind(), Error::Kind::NotSignedIn);
        QCOMPARE(waitForJob(session.restore(UserName)).kind(), Error::Kind::NotSignedIn);
        AuthSession noServer;
        QCOMPARE(waitForJob(noServer.login(UserName, Password)).kind(),
                 Error::Kind::InvalidRequest);
    }

    void refreshAheadOfExpiry()
    {
        ServerProcess server;
        QVERIFY2(server.start({ QStringLiteral("--access-token-ttl"), QStringLiteral("10s"),
                                QStringLiteral("--token-leeway"), QStringLiteral("0s") }),
                 qPrintable(server.errorString()));
        QString error;
        SignedInUser user = signIn(server, server.baseUrl(), UserName, Password, true, &error);
        QVERIFY2(user.session, qPrintable(error));
        user.session->setRefreshAheadRatio(0.5);
        QSignalSpy changed(user.session.get(), &AuthSession::accessTokenChanged);
        QVERIFY(user.session->accessTokenTimeLeft() <= 10s);
        // At half of the 10 s lifetime a new token arrives, with no 401 and no request failing.
        QVERIFY(waitUntil([&] { return changed.size() >= 1; }, 20000));
        QCOMPARE(user.session->accessTokenGeneration(), quint64(2));
        QCOMPARE(user.session->state(), AuthSession::State::SignedIn);
        QVERIFY(user.session->accessTokenTimeLeft() > 8s);
        QCOMPARE(refreshRequests(server.baseUrl()), 1.0);
        // And the new token works.
        ApiReply *reply = user.api->listSessions();
        QVERIFY(!waitForJob(reply).isError());
    }

    // 20 streams and 5 API calls hold an access token the server no longer accepts (it came back
    // with a new access key): they all get 401 at about the same time, and exactly one refresh
    // request reaches the server.
    void singleFlightRefreshOn401()
    {
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        ChaosProxy proxy;
        QVERIFY(proxy.listen());
        proxy.setTargetPort(server.port());
        const QUrl proxied(QStringLiteral("http://127.0.0.1:%1").arg(proxy.port()));
        QString error;
        SignedInUser user = signIn(server, proxied, UserName, Password, true, &error);
        QVERIFY2(user.session, qPrintable(error));
        const auto [sessionId, promptId] = createPrompt(*user.api, QStringLiteral("p"), &error);
        QVERIFY2(!promptId.isEmpty(), qPrintable(error));

        std::vector<std::unique_ptr<PromptStream>> streams;
        for (int i = 0; i < 20; ++i) {
            auto stream = std::make_unique<PromptStream>(user.session.get(), sessionId, promptId);
            stream->setMode(PromptStream::Mode::Header);
            RetryPolicy policy;
            policy.setInitialDelay(200ms);
            policy.setMaxDelay(1s);
            stream->eventSource()->setRetryPolicy(policy);
            stream->start();
            streams.push_back(std::move(stream));
        }
        QVERIFY(waitUntil([&] {
            return std::all_of(streams.begin(), streams.end(), [](const auto &s) {
                return s->state() == PromptStream::State::Live;
            });
        }));

        // Same data dir (users, refresh tokens), new access key: every access token is refused.
        server.kill();
        QVERIFY(QFile::remove(server.dataDir() + QStringLiteral("/access.key")));
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        proxy.setTargetPort(server.port());
        proxy.cutAll();
        QList<ApiReply *> calls;
        for (int i = 0; i < 5; ++i) {
            ApiReply *call = user.api->listSessions();
            call->setAutoDelete(false);
            calls.append(call);
        }
        QVERIFY(waitUntil([&] {
            const bool callsDone = std::all_of(calls.begin(), calls.end(),
                                               [](ApiReply *c) { return c->isFinished(); });
            const bool streamsLive = std::all_of(streams.begin(), streams.end(), [](const auto &s) {
                return s->state() == PromptStream::State::Live;
            });
            return callsDone && streamsLive;
        }));
        for (ApiReply *call : calls) {
            QVERIFY2(!call->error().isError(), qPrintable(call->error().message()));
            QCOMPARE(call->sessions().size(), 1);
            delete call;
        }
        QCOMPARE(user.session->accessTokenGeneration(), quint64(2));
        QCOMPARE(refreshRequests(server.baseUrl()), 1.0);
        const QByteArray metrics = fetchMetrics(server.baseUrl());
        QVERIFY2(metricValue(metrics, "sluice_auth_failures_total") >= 1, metrics.constData());
    }

    // Someone copies the refresh token and uses it: the server revokes the family when the
    // legitimate session presents its (now rotated) token, and the session signs out saying why.
    void refreshTokenReuseSignsOut()
    {
        MemoryTokenStore store;
        AuthSession session(m_server.baseUrl());
        session.setTokenStore(&store);
        QVERIFY(!waitForJob(session.login(UserName, Password, AuthSession::Remember)).isError());
        QVERIFY(waitUntil([&] { return store.keys().size() == 1; }));
        TokenStoreJob *read = store.readToken(TokenStore::keyFor(m_server.baseUrl(), UserName));
        read->setAutoDelete(false);
        QVERIFY(!waitForJob(read).isError());
        const QByteArray stolen = read->token();
        delete read;
        QVERIFY(!stolen.isEmpty());

        HttpClient thief(m_server.baseUrl());
        const HttpResponse stolenUse
            = thief.postJson(QStringLiteral("/api/auth/refresh"),
                             { { QStringLiteral("refreshToken"), QString::fromLatin1(stolen) } });
        QCOMPARE(stolenUse.status, 200);
        // The thief refreshes once more: the stolen token is now two rotations old, past the
        // server's grace window for concurrent refreshes (which would hand the legitimate
        // session the thief's successor instead of calling it reuse).
        const HttpResponse used = thief.postJson(
            QStringLiteral("/api/auth/refresh"),
            { { QStringLiteral("refreshToken"),
                stolenUse.object().value(QLatin1String("refreshToken")).toString() } });
        QCOMPARE(used.status, 200);

        QSignalSpy signedOut(&session, &AuthSession::signedOut);
        const Error error = waitForJob(session.refresh());
        QCOMPARE(error.kind(), Error::Kind::SessionRevoked);
        QVERIFY(error.requiresSignIn());
        QVERIFY2(error.message().contains(QStringLiteral("sign in again")),
                 qPrintable(error.message()));
        QCOMPARE(signedOut.size(), 1);
        QCOMPARE(signedOut.at(0).at(0).value<Error>().kind(), Error::Kind::SessionRevoked);
        QCOMPARE(session.state(), AuthSession::State::SignedOut);
        QVERIFY(!session.hasValidAccessToken());
        QVERIFY(!session.isRemembered());
        QVERIFY(waitUntil([&] { return store.keys().isEmpty(); })); // forgotten
        // The whole family is revoked: the thief's rotated token is dead too.
        const QByteArray thiefToken
            = used.object().value(QLatin1String("refreshToken")).toString().toLatin1();
        const HttpResponse again = thief.postJson(
            QStringLiteral("/api/auth/refresh"),
            { { QStringLiteral("refreshToken"), QString::fromLatin1(thiefToken) } });
        QCOMPARE(again.status, 401);
    }

    void rememberRestoreAndLogout()
    {
        MemoryTokenStore store;
        const QString key = TokenStore::keyFor(m_server.baseUrl(), UserName);
        {
            AuthSession first(m_server.baseUrl());
            first.setTokenStore(&store);
            QVERIFY(!waitForJob(first.login(UserName, Password, AuthSession::Remember)).isError());
            QVERIFY(waitUntil([&] { return store.keys() == QStringList { key }; }));
            QVERIFY(first.isRemembered());
        } // the application quits

        AuthSession second(m_server.baseUrl());
        second.setTokenStore(&store);
        const Error restored = waitForJob(second.restore(UserName));
        QVERIFY2(!restored.isError(), qPrintable(restored.message()));
        QCOMPARE(second.state(), AuthSession::State::SignedIn);
        QCOMPARE(second.userName(), UserName);
        QVERIFY(second.isRemembered());
        ApiClient api(&second);
        QVERIFY(!waitForJob(api.listSessions()).isError());

        QSignalSpy signedOut(&second, &AuthSession::signedOut);
        QVERIFY(!waitForJob(second.logout()).isError());
        QCOMPARE(second.state(), AuthSession::State::SignedOut);
        QCOMPARE(signedOut.size(), 1);
        QCOMPARE(signedOut.at(0).at(0).value<Error>().kind(), Error::Kind::NoError);
        QVERIFY(waitUntil([&] { return store.keys().isEmpty(); }));
        // Nothing to restore any more.
        AuthSession third(m_server.baseUrl());
        third.setTokenStore(&store);
        QCOMPARE(waitForJob(third.restore(UserName)).kind(), Error::Kind::NotSignedIn);
    }

    void loginWithoutRememberRemovesStoredToken()
    {
        MemoryTokenStore store;
        AuthSession session(m_server.baseUrl());
        session.setTokenStore(&store);
        QVERIFY(!waitForJob(session.login(UserName, Password, AuthSession::Remember)).isError());
        QVERIFY(waitUntil([&] { return store.keys().size() == 1; }));
        QVERIFY(
            !waitForJob(session.login(UserName, Password, AuthSession::DontRemember)).isError());
        QVERIFY(waitUntil([&] { return store.keys().isEmpty(); }));
        QVERIFY(!session.isRemembered());
    }

    void restoreWithRevokedTokenForgetsIt()
    {
        MemoryTokenStore store;
        AuthSession first(m_server.baseUrl());
        first.setTokenStore(&store);
        QVERIFY(!waitForJob(first.login(UserName, Password, AuthSession::Remember)).isError());
        QVERIFY(waitUntil([&] { return store.keys().size() == 1; }));
        // Log out everywhere from another device: the remembered token is revoked.
        AuthSession other(m_server.baseUrl());
        QVERIFY(!waitForJob(other.login(UserName, Password)).isError());
        QVERIFY(!waitForJob(other.logout(AuthSession::LogoutScope::AllDevices)).isError());

        AuthSession second(m_server.baseUrl());
        second.setTokenStore(&store);
        const Error error = waitForJob(second.restore(UserName));
        QCOMPARE(error.kind(), Error::Kind::SessionRevoked);
        QCOMPARE(second.state(), AuthSession::State::SignedOut);
        QVERIFY(waitUntil([&] { return store.keys().isEmpty(); }));
    }

    void apiClientCallsAndErrors()
    {
        QString error;
        SignedInUser user = signIn(m_server, m_server.baseUrl(), UserName, Password, false, &error);
        QVERIFY2(user.session, qPrintable(error));
        ApiClient &api = *user.api;

        ApiReply *created = api.createSession(QStringLiteral("my session"));
        created->setAutoDelete(false);
        QVERIFY(!waitForJob(created).isError());
        QCOMPARE(created->httpStatus(), 201);
        const SessionInfo session = created->session();
        QVERIFY(session.isValid());
        QCOMPARE(session.title(), QStringLiteral("my session"));
        QVERIFY(session.createdAt().isValid());
        delete created;

        ApiReply *prompt = api.createPrompt(session.id(), QStringLiteral("hello"));
        prompt->setAutoDelete(false);
        QVERIFY(!waitForJob(prompt).isError());
        const PromptInfo info = prompt->prompt();
        QCOMPARE(info.text(), QStringLiteral("hello"));
        QCOMPARE(info.sessionId(), session.id());
        QCOMPARE(info.status(), PromptInfo::Status::Pending);
        delete prompt;

        ApiReply *list = api.listPrompts(session.id());
        list->setAutoDelete(false);
        QVERIFY(!waitForJob(list).isError());
        QCOMPARE(list->prompts().size(), 1);
        QCOMPARE(list->prompts().at(0).id(), info.id());
        delete list;

        ApiReply *published
            = api.publishEvent(session.id(), info.id(), QStringLiteral("message"),
                               { { QStringLiteral("delta"), QStringLiteral("hi") } });
        published->setAutoDelete(false);
        QVERIFY(!waitForJob(published).isError());
        QCOMPARE(published->eventId(), qint64(1));
        delete published;
        QVERIFY(!waitForJob(api.publishEvent(session.id(), info.id(), QStringLiteral("done")))
                     .isError());

        const Error afterDone
            = waitForJob(api.publishEvent(session.id(), info.id(), QStringLiteral("message"), {}));
        QCOMPARE(afterDone.kind(), Error::Kind::InvalidRequest);
        QCOMPARE(afterDone.httpStatus(), 409);

        const Error badType
            = waitForJob(api.publishEvent(session.id(), info.id(), QStringLiteral("nonsense"), {}));
        QCOMPARE(badType.kind(), Error::Kind::InvalidRequest);
        QCOMPARE(badType.serverCode(), QStringLiteral("VALIDATION_ERROR"));

        const Error unknown = waitForJob(api.getPrompt(session.id(), QStringLiteral("nope")));
        QCOMPARE(unknown.kind(), Error::Kind::NotFound);
        QCOMPARE(unknown.httpStatus(), 404);

        ApiReply *token = api.createStreamToken(session.id(), info.id());
        token->setAutoDelete(false);
        QVERIFY(!waitForJob(token).isError());
        QVERIFY(token->streamToken().startsWith("ey"));
        QVERIFY(token->streamTokenLifetime() > 0s);
        delete token;

        ApiReply *aborted = api.listSessions();
        aborted->setAutoDelete(false);
        aborted->abort();
        QVERIFY(aborted->isFinished());
        QCOMPARE(aborted->error().kind(), Error::Kind::Canceled);
        delete aborted;

        // Signed out: calls fail with NotSignedIn, nothing is sent.
        QVERIFY(!waitForJob(user.session->logout()).isError());
        QCOMPARE(waitForJob(api.listSessions()).kind(), Error::Kind::NotSignedIn);
    }

    void apiClientPagesLists()
    {
        QString error;
        SignedInUser user = signIn(m_server, m_server.baseUrl(), UserName, Password, false, &error);
        QVERIFY2(user.session, qPrintable(error));
        ApiClient &api = *user.api;
        for (int i = 0; i < 3; ++i)
            QVERIFY(!waitForJob(api.createSession(QStringLiteral("paged %1").arg(i))).isError());

        ApiReply *all = api.listSessions();
        all->setAutoDelete(false);
        QVERIFY(!waitForJob(all).isError());
        QVERIFY(all->nextCursor().isEmpty()); // a few sessions: one page
        QStringList expected;
        for (const SessionInfo &session : all->sessions())
            expected.append(session.id());
        delete all;
        QVERIFY(expected.size() >= 3);

        // Two at a time, following nextCursor() to the end.
        QStringList seen;
        QString cursor;
        do {
            ApiReply *page = api.listSessions(2, cursor);
            page->setAutoDelete(false);
            QVERIFY(!waitForJob(page).isError());
            QVERIFY(page->sessions().size() <= 2);
            for (const SessionInfo &session : page->sessions())
                seen.append(session.id());
            cursor = page->nextCursor();
            delete page;
        } while (!cursor.isEmpty() && seen.size() <= expected.size());
        QCOMPARE(seen, expected);

        const QString sessionId = expected.constFirst();
        for (int i = 0; i < 2; ++i)
            QVERIFY(!waitForJob(api.createPrompt(sessionId, QString::number(i))).isError());
        ApiReply *prompts = api.listPrompts(sessionId, 1);
        prompts->setAutoDelete(false);
        QVERIFY(!waitForJob(prompts).isError());
        QCOMPARE(prompts->prompts().size(), 1);
        QCOMPARE(prompts->prompts().constFirst().text(), QStringLiteral("0"));
        const QString next = prompts->nextCursor();
        delete prompts;
        QVERIFY(!next.isEmpty());
        prompts = api.listPrompts(sessionId, 1, next);
        prompts->setAutoDelete(false);
        QVERIFY(!waitForJob(prompts).isError());
        QCOMPARE(prompts->prompts().constFirst().text(), QStringLiteral("1"));
        QVERIFY(prompts->nextCursor().isEmpty());
        delete prompts;

        // A cursor of another list is refused by the server.
        const Error wrongList = waitForJob(api.listSessions(2, next));
        QCOMPARE(wrongList.kind(), Error::Kind::InvalidRequest);
        QCOMPARE(wrongList.serverCode(), QStringLiteral("INVALID_CURSOR"));
        QVERIFY(!waitForJob(user.session->logout()).isError());
    }

    void noTokenInTheServerLog()
    {
        // Everything above went through this server; its debug log never holds a credential.
        const QString log = m_server.logOutput();
        QVERIFY(!log.contains(Password));
        QVERIFY(!log.contains(QStringLiteral("Bearer ey")));
    }

private:
    ServerProcess m_server;
};

QTEST_GUILESS_MAIN(TestAuthSession)
#include "tst_authsession.moc"
