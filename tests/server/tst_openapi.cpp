// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// server/openapi.yaml documents exactly the routes the server registers: the server's own route
// table is read through `sluice-server --print-routes`, the spec's paths/methods from the YAML.
#include "support/serverprocess.h"

#include <QtCore/QFile>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace Sluice::Test;

class TestOpenApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyRegisteredRouteIsDocumented();
    void everyDocumentedRouteIsRegistered();

private:
    QSet<QString> m_registered; // "GET /api/claude-code/sessions/{sid}"
    QSet<QString> m_documented;
};

void TestOpenApi::initTestCase()
{
    QTemporaryDir dataDir;
    QVERIFY(dataDir.isValid());
    const auto result = ServerProcess::run(
        { QStringLiteral("--data-dir"), dataDir.path(), QStringLiteral("--print-routes") });
    QVERIFY(result.finished);
    QCOMPARE(result.exitCode, 0);
    const QStringList lines = result.stdOut.split(u'\n', Qt::SkipEmptyParts);
    for (const QString &line : lines)
        m_registered.insert(line.trimmed());
    QVERIFY2(m_registered.contains(QStringLiteral("GET /healthz")), qPrintable(result.stdOut));

    QFile spec(QStringLiteral(SLUICE_OPENAPI_FILE));
    QVERIFY2(spec.open(QIODevice::ReadOnly | QIODevice::Text), qPrintable(spec.fileName()));
    const QStringList specLines = QString::fromUtf8(spec.readAll()).split(u'\n');
    QVERIFY(specLines.constFirst().startsWith(QLatin1String("openapi: 3.1")));
    static const QRegularExpression pathLine(QStringLiteral("^  (/[^:\\s]*):\\s*$"));
    static const QRegularExpression methodLine(
        QStringLiteral("^    (get|put|post|delete|options|head|patch|trace):"));
    bool inPaths = false;
    QString currentPath;
    for (const QString &line : specLines) {
        if (line.startsWith(QLatin1String("paths:"))) {
            inPaths = true;
            continue;
        }
        if (!inPaths)
            continue;
        if (!line.isEmpty() && !line.startsWith(u' ') && !line.startsWith(u'#'))
            break; // next top-level key
        if (const auto m = pathLine.match(line); m.hasMatch()) {
            currentPath = m.captured(1);
        } else if (const auto m = methodLine.match(line); m.hasMatch() && !currentPath.isEmpty()) {
            m_documented.insert(m.captured(1).toUpper() + u' ' + currentPath);
        }
    }
    QVERIFY(!m_documented.isEmpty());
}

void TestOpenApi::everyRegisteredRouteIsDocumented()
{
    QStringList missing;
    for (const QString &route : std::as_const(m_registered)) {
        if (!m_documented.contains(route))
            missing.append(route);
    }
    missing.sort();
    QVERIFY2(
        missing.isEmpty(),
        qPrintable(QStringLiteral("not in openapi.yaml: ") + missing.join(QStringLiteral("; "))));
}

void TestOpenApi::everyDocumentedRouteIsRegistered()
{
    QStringList extra;
    for (const QString &route : std::as_const(m_documented)) {
        if (!m_registered.contains(route))
            extra.append(route);
    }
    extra.sort();
    QVERIFY2(extra.isEmpty(),
             qPrintable(QStringLiteral("documented but not registered: ")
                        + extra.join(QStringLiteral("; "))));
}

QTEST_GUILESS_MAIN(TestOpenApi)
#include "tst_openapi.moc"
