// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Sluice::KeychainTokenStore with the real Secret Service (GNOME Keyring on a private D-Bus
// session, started by with-test-keyring.sh): store, read, remove; "remember me" across two
// AuthSessions (an application restart) against the real sluice-server, and logout removing the
// entry. Run without any keychain (SLUICE_EXPECT_NO_KEYCHAIN=1, a bus address that leads
// nowhere), the store's error says why.
#include "support/e2esupport.h"

#include <Sluice/KeychainTokenStore.h>

#include <QtCore/QUuid>
#include <QtTest/QSignalSpy>

using namespace Sluice;
using namespace Sluice::Test;

namespace {

const QString Password = QStringLiteral("keychains keep secrets");

// A service name of this run's own, so that runs never see each other's entries.
QString uniqueService()
{
    return QStringLiteral("sluice-test-") + QUuid::createUuid().toString(QUuid::Id128);
}

struct ReadResult
{
    Error error;
    QByteArray token;
};

ReadResult readToken(TokenStore &store, const QString &key)
{
    TokenStoreJob *job = store.readToken(key);
    job->setAutoDelete(false);
    ReadResult result;
    result.error = waitForJob(job);
    result.token = job->token();
    delete job;
    return result;
}

bool expectNoKeychain()
{
    return qEnvironmentVariableIntValue("SLUICE_EXPECT_NO_KEYCHAIN") == 1;
}

} // namespace

class TestKeychain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void storeReadRemove()
    {
        if (expectNoKeychain())
            QSKIP("no keychain in this run (see noKeychainSaysWhy)");
        KeychainTokenStore store(uniqueService());
        const QString key = TokenStore::keyFor(QUrl(QStringLiteral("http://127.0.0.1:1")),
                                               QStringLiteral("alice"));
        QCOMPARE(readToken(store, key).error.kind(), Error::Kind::NotSignedIn);
        const QByteArray secret = "opaque-refresh-token-\x01\xff binary too";
        const Error written = waitForJob(store.writeToken(key, secret));
        QVERIFY2(!written.isError(), qPrintable(written.message()));
        const ReadResult read = readToken(store, key);
        QVERIFY2(!read.error.isError(), qPrintable(read.error.message()));
        QCOMPARE(read.token, secret);
        // Another store (another application) with another service name does not see it.
        KeychainTokenStore other(uniqueService());
        QCOMPARE(readToken(other, key).error.kind(), Error::Kind::NotSignedIn);
        QVERIFY(!waitForJob(store.removeToken(key)).isError());
        QCOMPARE(readToken(store, key).error.kind(), Error::Kind::NotSignedIn);
        QVERIFY(!waitForJob(store.removeToken(key)).isError()); // removing nothing succeeds
    }

    void rememberMeAcrossRestarts()
    {
        if (expectNoKeychain())
            QSKIP("no keychain in this run (see noKeychainSaysWhy)");
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QVERIFY2(server.addUser(QStringLiteral("operator"), Password),
                 qPrintable(server.errorString()));
        const QString service = uniqueService();
        const QString key = TokenStore::keyFor(server.baseUrl(), QStringLiteral("operator"));
        {
            KeychainTokenStore store(service);
            AuthSession session(server.baseUrl());
            session.setTokenStore(&store);
            const Error login = waitForJob(
                session.login(QStringLiteral("operator"), Password, AuthSession::Remember));
            QVERIFY2(!login.isError(), qPrintable(login.message()));
            QVERIFY(waitUntil([&] { return !readToken(store, key).token.isEmpty(); }));
            QVERIFY(session.isRemembered());
        } // the application quits

        KeychainTokenStore store(service);
        const QByteArray stored = readToken(store, key).token;
        AuthSession session(server.baseUrl());
        session.setTokenStore(&store);
        const Error restored = waitForJob(session.restore(QStringLiteral("operator")));
        QVERIFY2(!restored.isError(), qPrintable(restored.message()));
        QCOMPARE(session.state(), AuthSession::State::SignedIn);
        ApiClient api(&session);
        QVERIFY(!waitForJob(api.listSessions()).isError());
        // The refresh token was rotated by the restore, and the keychain holds the new one.
        QVERIFY(waitUntil([&] {
            const QByteArray now = readToken(store, key).token;
            return !now.isEmpty() && now != stored;
        }));

        QVERIFY(!waitForJob(session.logout()).isError());
        QVERIFY(waitUntil(
            [&] { return readToken(store, key).error.kind() == Error::Kind::NotSignedIn; }));
        QVERIFY(!server.logOutput().contains(QString::fromLatin1(stored)));
    }

    void noKeychainSaysWhy()
    {
        if (!expectNoKeychain())
            QSKIP("a keychain is available in this run (see storeReadRemove)");
        KeychainTokenStore store(uniqueService());
        const Error error = waitForJob(store.writeToken(QStringLiteral("k"), "secret"));
        QCOMPARE(error.kind(), Error::Kind::Keychain);
        QVERIFY2(error.message().startsWith(QStringLiteral("No keychain is available")),
                 qPrintable(error.message()));
        QVERIFY2(error.message().contains(QStringLiteral("Secret Service")),
                 qPrintable(error.message()));
        // And an AuthSession that remembers through it keeps working, reporting the failure.
        ServerProcess server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QVERIFY(server.addUser(QStringLiteral("operator"), Password));
        AuthSession session(server.baseUrl());
        session.setTokenStore(&store);
        QSignalSpy errors(&session, &AuthSession::errorOccurred);
        QVERIFY(
            !waitForJob(session.login(QStringLiteral("operator"), Password, AuthSession::Remember))
                 .isError());
        QVERIFY(waitUntil([&] { return !errors.isEmpty(); }));
        QCOMPARE(errors.at(0).at(0).value<Error>().kind(), Error::Kind::Keychain);
        QVERIFY(!session.isRemembered());
        QVERIFY(session.isSignedIn());
    }
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
