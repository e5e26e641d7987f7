// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// RefreshTokenService: opaque 256-bit tokens stored only as hashes, rotation, reuse, logout.
#include "auth/refreshtokenservice.h"
#include "store/sqlitestore.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace Sluice::Server;
using namespace std::chrono_literals;

class TestRefreshTokenService : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteStore> m_store;
    QString m_alice;
    QString m_bob;

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_store = SqliteStore::open(SqliteStore::databasePath(m_dir->path()));
        QVERIFY(m_store);
        m_alice = m_store->createUser(QStringLiteral("alice"), "$x")->id;
        m_bob = m_store->createUser(QStringLiteral("bob"), "$x")->id;
    }
    void cleanup()
    {
        m_store.reset();
        m_dir.reset();
    }

    void issuedTokensAreOpaqueAndStoredHashed()
    {
        RefreshTokenService service(*m_store, 3600s);
        const auto issued = service.issue(m_alice);
        QVERIFY(issued);
        QCOMPARE(issued->expiresIn, 3600s);
        QCOMPARE(issued->token.size(), 43); // 256 bits, base64url, unpadded
        QVERIFY(RefreshTokenService::looksLikeToken(issued->token));
        QVERIFY(service.issue(m_alice)->token != issued->token);
        const auto record = m_store->refreshToken(RefreshTokenService::hashToken(issued->token));
        QVERIFY(record);
        QCOMPARE(record->userId, m_alice);
        const qint64 ttl = QDateTime::currentDateTimeUtc().secsTo(record->expiresAt);
        QVERIFY(ttl > 3500 && ttl <= 3600);
        // The clear token is nowhere in the database files.
        m_store.reset();
        const QDir dir(m_dir->path());
        for (const QString &file : dir.entryList(QDir::Files)) {
            QFile f(dir.filePath(file));
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(issued->token), qPrintable(file));
        }
    }

    void rotateAndReuse()
    {
        RefreshTokenService service(*m_store, 3600s);
        const QByteArray t1 = service.issue(m_alice)->token;
        const RefreshResult r1 = service.rotate(t1);
        QCOMPARE(r1.outcome, RefreshRotation::Rotated);
        QCOMPARE(r1.userId, m_alice);
        QVERIFY(r1.successor);
        const QByteArray t2 = r1.successor->token;
        QVERIFY(t2 != t1);
        QVERIFY(!r1.fromGraceWindow);
        // t2 is used: from now on t1 is a replay. Reuse of t1 revokes the family: t3 dies too.
        const RefreshResult r2 = service.rotate(t2);
        QCOMPARE(r2.outcome, RefreshRotation::Rotated);
        const QByteArray t3 = r2.successor->token;
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("refresh token reuse detected")));
        const RefreshResult reuse = service.rotate(t1);
        QCOMPARE(reuse.outcome, RefreshRotation::Reused);
        QVERIFY(!reuse.successor);
        QCOMPARE(service.rotate(t3).outcome, RefreshRotation::Revoked);
    }

    // Two tabs refreshing with the same token at once, or a retry whose first answer was lost:
    // within the grace window the second presentation gets the successor already issued.
    void concurrentRefreshWithinGraceWindow()
    {
        RefreshTokenService service(*m_store, 3600s);
        const auto issued = service.issue(m_alice);
        const RefreshResult first = service.rotate(issued->token);
        QCOMPARE(first.outcome, RefreshRotation::Rotated);
        const RefreshResult second = service.rotate(issued->token);
        QCOMPARE(second.outcome, RefreshRotation::Rotated);
        QVERIFY(second.fromGraceWindow);
        QCOMPARE(second.successor->token, first.successor->token);
        QCOMPARE(second.familyId, issued->familyId);
        QCOMPARE(second.userId, m_alice);
        // The family is alive: the successor rotates normally.
        QCOMPARE(service.rotate(first.successor->token).outcome, RefreshRotation::Rotated);
        // Once the successor was used, the old token is a replay again (the grace answer would
        // hand out a dead token): the family is revoked.
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("refresh token reuse detected")));
        QCOMPARE(service.rotate(issued->token).outcome, RefreshRotation::Reused);
    }

    // A second service (another server process, or this one after a restart) has no grace
    // memory: reuse of a rotated token is reuse.
    void graceWindowIsPerProcessMemory()
    {
        RefreshTokenService first(*m_store, 3600s);
        const auto issued = first.issue(m_alice);
        QCOMPARE(first.rotate(issued->token).outcome, RefreshRotation::Rotated);
        RefreshTokenService restarted(*m_store, 3600s);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("refresh token reuse detected")));
        QCOMPARE(restarted.rotate(issued->token).outcome, RefreshRotation::Reused);
    }

    void rejectsGarbageWithoutLookup()
    {
        RefreshTokenService service(*m_store, 3600s);
        for (const QByteArray &bad : { QByteArray(), QByteArray("short"), QByteArray(43, '!'),
                                       QByteArray(44, 'A'), QByteArray(43, 'A') }) {
            const RefreshResult r = service.rotate(bad);
            QCOMPARE(r.outcome, RefreshRotation::NotFound);
            QVERIFY(!r.successor);
        }
    }

    void expiredIsRefused()
    {
        RefreshTokenService service(*m_store, 0s);
        const QByteArray t = service.issue(m_alice)->token;
        QCOMPARE(service.rotate(t).outcome, RefreshRotation::Expired);
    }

    void logoutRevocation()
    {
        RefreshTokenService service(*m_store, 3600s);
        const auto first = service.issue(m_alice);
        const QByteArray a1 = first->token;
        const QByteArray a2 = service.issue(m_alice)->token;
        const QByteArray b1 = service.issue(m_bob)->token;
        QVERIFY(service.revokeFamilyOf(b1, m_alice).isEmpty()); // not alice's token: untouched
        QCOMPARE(service.rotate(b1).outcome, RefreshRotation::Rotated);
        QCOMPARE(service.revokeFamilyOf(a1, m_alice), first->familyId); // that sign-in only
        QCOMPARE(service.rotate(a1).outcome, RefreshRotation::Revoked);
        QCOMPARE(service.rotate(a2).outcome, RefreshRotation::Rotated); // other family survives
        const QByteArray a3 = service.issue(m_alice)->token;
        QVERIFY(service.revokeAll(m_alice));
        QCOMPARE(service.rotate(a3).outcome, RefreshRotation::Revoked);
    }
};

QTEST_GUILESS_MAIN(TestRefreshTokenService)
#include "tst_refreshtokenservice.moc"
