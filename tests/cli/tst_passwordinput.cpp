// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// --password-stdin: the password is the first line of stdin, line ending stripped, nothing after
// the line consumed.
#include "passwordinput.h"

#include <QtTest/QTest>

#include <fcntl.h>
#include <unistd.h>

using SluiceStream::passwordFromFirstLine;
using SluiceStream::readPasswordLine;

namespace {

// A pipe holding `bytes`, its write end closed: reading it ends with EOF after them.
class Pipe
{
public:
    explicit Pipe(const QByteArray &bytes)
    {
        if (::pipe2(m_fds, O_CLOEXEC) != 0)
            return;
        m_ok = ::write(m_fds[1], bytes.constData(), size_t(bytes.size())) == bytes.size();
        ::close(m_fds[1]);
        m_fds[1] = -1;
    }
    ~Pipe()
    {
        for (const int fd : m_fds) {
            if (fd >= 0)
                ::close(fd);
        }
    }
    Q_DISABLE_COPY_MOVE(Pipe)

    bool isOk() const { return m_ok; }
    int readEnd() const { return m_fds[0]; }
    QByteArray rest() const
    {
        QByteArray out;
        char buffer[256];
        ssize_t n = 0;
        while ((n = ::read(m_fds[0], buffer, sizeof buffer)) > 0)
            out.append(buffer, n);
        return out;
    }

private:
    int m_fds[2] = { -1, -1 };
    bool m_ok = false;
};

} // namespace

class tst_PasswordInput : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstLine_data();
    void firstLine();
    void readsOnlyTheFirstLine();
    void lastLineWithoutNewline();
    void missingPassword_data();
    void missingPassword();
    void tooLong();
};

void tst_PasswordInput::firstLine_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("password");
    QTest::newRow("LF") << QByteArray("s3cret\n") << QStringLiteral("s3cret");
    QTest::newRow("CRLF") << QByteArray("s3cret\r\n") << QStringLiteral("s3cret");
    QTest::newRow("no line ending") << QByteArray("s3cret") << QStringLiteral("s3cret");
    QTest::newRow("second line ignored")
        << QByteArray("first\nsecond\n") << QStringLiteral("first");
    QTest::newRow("spaces kept") << QByteArray(" a b \n") << QStringLiteral(" a b ");
    QTest::newRow("CR inside kept") << QByteArray("a\rb\n") << QStringLiteral("a\rb");
    QTest::newRow("UTF-8") << QByteArray("p\xc3\xa4ss\n") << QStringLiteral(u"p\u00e4ss");
    QTest::newRow("empty line") << QByteArray("\n") << QString();
    QTest::newRow("empty") << QByteArray() << QString();
}

void tst_PasswordInput::firstLine()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, password);
    QCOMPARE(passwordFromFirstLine(bytes), password);
}

void tst_PasswordInput::readsOnlyTheFirstLine()
{
    Pipe pipe("pass word\r\nnext line\n");
    QVERIFY(pipe.isOk());
    QString error;
    const auto password = readPasswordLine(pipe.readEnd(), &error);
    QVERIFY2(password, qPrintable(error));
    QCOMPARE(*password, QStringLiteral("pass word"));
    QCOMPARE(pipe.rest(), QByteArray("next line\n"));
}

void tst_PasswordInput::lastLineWithoutNewline()
{
    Pipe pipe("only");
    QVERIFY(pipe.isOk());
    QString error;
    const auto password = readPasswordLine(pipe.readEnd(), &error);
    QVERIFY2(password, qPrintable(error));
    QCOMPARE(*password, QStringLiteral("only"));
}

void tst_PasswordInput::missingPassword_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("end of input") << QByteArray();
    QTest::newRow("empty line") << QByteArray("\nsecond\n");
    QTest::newRow("CRLF only") << QByteArray("\r\n");
}

void tst_PasswordInput::missingPassword()
{
    QFETCH(QByteArray, bytes);
    Pipe pipe(bytes);
    QVERIFY(pipe.isOk());
    QString error;
    QVERIFY(!readPasswordLine(pipe.readEnd(), &error));
    QVERIFY2(error.contains(u"no password on stdin"), qPrintable(error));
}

void tst_PasswordInput::tooLong()
{
    // Bounded: a stream of bytes without a newline is not read forever.
    Pipe pipe(QByteArray(5000, 'x') + '\n');
    QVERIFY(pipe.isOk());
    QString error;
    QVERIFY(!readPasswordLine(pipe.readEnd(), &error));
    QVERIFY2(error.contains(u"longer than"), qPrintable(error));
    QVERIFY(!error.contains(u"xxxx"));
}

QTEST_GUILESS_MAIN(tst_PasswordInput)
#include "tst_passwordinput.moc"
