// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PasswordHasher: scrypt PHC-like strings, verification, tampering, parameter parsing, the OWASP
// default cost and which hashes need upgrading.
#include "auth/passwordhasher.h"

#include <QtCore/QElapsedTimer>
#include <QtTest/QTest>

using namespace Sluice::Server;

class TestPasswordHasher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip()
    {
        const QByteArray encoded = PasswordHasher::hash("correct horse battery staple");
        QVERIFY(encoded.startsWith("$scrypt$ln=17,r=8,p=1$"));
        QVERIFY(PasswordHasher::verify("correct horse battery staple", encoded));
        QVERIFY(!PasswordHasher::verify("correct horse battery stapler", encoded));
        QVERIFY(!PasswordHasher::verify("", encoded));
        // Never the password in the hash string.
        QVERIFY(!encoded.contains("horse"));
    }

    void saltIsRandom()
    {
        const PasswordHasher::Parameters fast { 10, 8, 1 };
        const QByteArray a = PasswordHasher::hash("same password", fast);
        const QByteArray b = PasswordHasher::hash("same password", fast);
        QVERIFY(a != b);
        QVERIFY(PasswordHasher::verify("same password", a));
        QVERIFY(PasswordHasher::verify("same password", b));
    }

    void parametersParsed()
    {
        const PasswordHasher::Parameters p { 11, 4, 2 };
        const QByteArray encoded = PasswordHasher::hash("pw-12345678", p);
        QVERIFY(encoded.startsWith("$scrypt$ln=11,r=4,p=2$"));
        const auto parsed = PasswordHasher::parameters(encoded);
        QVERIFY(parsed);
        QCOMPARE(*parsed, p);
        QVERIFY(PasswordHasher::verify("pw-12345678", encoded));
        // Default parameters are OWASP's (N = 2^17, r = 8, p = 1).
        QCOMPARE(PasswordHasher::Parameters {}, (PasswordHasher::Parameters { 17, 8, 1 }));
    }

    void outOfRangeParametersRefused()
    {
        QVERIFY(PasswordHasher::hash("pw", { 4, 8, 1 }).isEmpty());
        QVERIFY(PasswordHasher::hash("pw", { 25, 8, 1 }).isEmpty());
        QVERIFY(PasswordHasher::hash("pw", { 12, 0, 1 }).isEmpty());
        // 128 * r * N above 1 GiB: refused even with each parameter in range.
        QVERIFY(PasswordHasher::hash("pw", { 20, 16, 1 }).isEmpty());
    }

    void weakerHashesNeedRehash()
    {
        const PasswordHasher::Parameters current { 12, 8, 1 };
        const QByteArray weak = PasswordHasher::hash("pw-12345678", { 10, 8, 1 });
        const QByteArray same = PasswordHasher::hash("pw-12345678", current);
        const QByteArray stronger = PasswordHasher::hash("pw-12345678", { 13, 8, 1 });
        const QByteArray smallerBlocks = PasswordHasher::hash("pw-12345678", { 12, 4, 1 });
        QVERIFY(PasswordHasher::needsRehash(weak, current));
        QVERIFY(PasswordHasher::needsRehash(smallerBlocks, current));
        QVERIFY(!PasswordHasher::needsRehash(same, current));
        // Never downgraded: a stronger hash stays.
        QVERIFY(!PasswordHasher::needsRehash(stronger, current));
        QVERIFY(PasswordHasher::needsRehash("not a hash", current));
    }

    void tampered_data()
    {
        QTest::addColumn<QByteArray>("encoded");
        const QByteArray good = PasswordHasher::hash("pw-12345678", { 10, 8, 1 });
        const QList<QByteArray> parts = good.split('$');
        auto join = [](QList<QByteArray> p) {
            return p.join('$');
        };
        QList<QByteArray> p = parts;
        p[2] = "ln=11,r=8,p=1";
        QTest::newRow("cost changed") << join(p);
        p = parts;
        p[2] = "ln=30,r=8,p=1";
        QTest::newRow("cost bomb") << join(p);
        p = parts;
        p[2] = "r=8,ln=10,p=1";
        QTest::newRow("fields reordered") << join(p);
        p = parts;
        p[1] = "bcrypt";
        QTest::newRow("other scheme") << join(p);
        p = parts;
        p[3][0] = p[3][0] == 'A' ? 'B' : 'A';
        QTest::newRow("salt changed") << join(p);
        p = parts;
        p[4][0] = p[4][0] == 'A' ? 'B' : 'A';
        QTest::newRow("hash changed") << join(p);
        p = parts;
        p[4].chop(2);
        QTest::newRow("hash truncated") << join(p);
        p = parts;
        p[4] += "==";
        QTest::newRow("padding added") << join(p);
        p = parts;
        p[3] = "!!!!";
        QTest::newRow("bad base64") << join(p);
        QTest::newRow("missing part") << QByteArray(parts.mid(0, 4).join('$'));
        QTest::newRow("extra part") << QByteArray(good + "$x");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("plain text") << QByteArray("pw-12345678");
        p = parts;
        p[2] = "ln=-1,r=8,p=1";
        QTest::newRow("negative") << join(p);
    }
    void tampered()
    {
        QFETCH(QByteArray, encoded);
        QVERIFY(!PasswordHasher::verify("pw-12345678", encoded));
    }

    void dummyVerificationCostsLikeARealOne()
    {
        // Not a timing assertion (the machine is shared): only that the dummy path really runs a
        // default-cost scrypt and never succeeds.
        QVERIFY(!PasswordHasher::verifyDummy("anything"));
        QVERIFY(!PasswordHasher::verifyDummy("", { 10, 8, 1 }));
        QVERIFY(!PasswordHasher::verifyDummy("sluice-dummy-password-never-valid", { 10, 8, 1 }));
        QElapsedTimer timer;
        timer.start();
        const QByteArray real = PasswordHasher::hash("measure-me");
        const qint64 hashMs = timer.restart();
        QVERIFY(PasswordHasher::verify("measure-me", real));
        const qint64 verifyMs = timer.restart();
        PasswordHasher::verifyDummy("measure-me");
        const qint64 dummyMs = timer.elapsed();
        qInfo("scrypt ln=17,r=8,p=1: hash %lld ms, verify %lld ms, dummy verify %lld ms", hashMs,
              verifyMs, dummyMs);
    }
};

QTEST_GUILESS_MAIN(TestPasswordHasher)
#include "tst_passwordhasher.moc"
