// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "demo/demoscript.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>

namespace Sluice::Server::DemoScript {

namespace {

constexpr qsizetype maxTranscriptBytes = 16 * 1024 * 1024;

class Builder
{
public:
    explicit Builder(quint32 seed)
        : m_random(seed)
    { }

    int jitter(int base) { return base + int(m_random.bounded(base / 2 + 1)); }

    QString toolId()
    {
        static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        QString id = QStringLiteral("toolu_");
        for (int i = 0; i < 20; ++i)
            id += QLatin1Char(alphabet[m_random.bounded(int(sizeof(alphabet) - 1))]);
        return id;
    }

    // Streams `text` as word-sized deltas, like a model's token stream.
    void say(const QString &text, int firstDelayMs)
    {
        const QStringList words = text.split(u' ');
        for (qsizetype i = 0; i < words.size(); ++i) {
            const QString chunk = i + 1 < words.size() ? words.at(i) + u' ' : words.at(i);
            add(i == 0 ? firstDelayMs : jitter(45), EventType::Message,
                QJsonObject { { QStringLiteral("delta"), chunk } });
            m_said += chunk;
            m_outputTokens += 1;
        }
    }

    QString useTool(const QString &name, const QJsonObject &input, int delayMs)
    {
        const QString id = toolId();
        add(delayMs, EventType::ToolUse,
            QJsonObject { { QStringLiteral("id"), id },
                          { QStringLiteral("name"), name },
                          { QStringLiteral("input"), input } });
        return id;
    }

    void toolResult(const QString &id, const QString &content, int delayMs)
    {
        add(delayMs, EventType::ToolResult,
            QJsonObject { { QStringLiteral("tool_use_id"), id },
                          { QStringLiteral("content"), content },
                          { QStringLiteral("is_error"), false } });
        m_inputTokens += int(content.size() / 4);
    }

    void add(int delayMs, EventType type, const QJsonValue &data)
    {
        m_steps.append({ delayMs, type, data });
    }

    QList<DemoStep> finish(int inputTokens)
    {
        add(jitter(120), EventType::Message,
            QJsonObject { { QStringLiteral("text"), m_said.trimmed() },
                          { QStringLiteral("final"), true } });
        add(jitter(80), EventType::Done,
            QJsonObject {
                { QStringLiteral("reason"), QStringLiteral("end_turn") },
                { QStringLiteral("usage"),
                  QJsonObject { { QStringLiteral("input_tokens"), inputTokens + m_inputTokens },
                                { QStringLiteral("output_tokens"), m_outputTokens } } } });
        return m_steps;
    }

    void newParagraph() { m_said += QStringLiteral("\n\n"); }

private:
    QRandomGenerator m_random;
    QList<DemoStep> m_steps;
    QString m_said;
    int m_inputTokens = 0;
    int m_outputTokens = 0;
};

QString quoted(const QString &promptText)
{
    QString text = promptText.simplified();
    if (text.size() > 80)
        text = text.left(77) + QStringLiteral("...");
    return u'"' + text + u'"';
}

} // namespace

QList<DemoStep> simulatedRun(const QString &promptText, quint32 seed)
{
    Builder b(seed);
    b.add(b.jitter(150), EventType::Status,
          QJsonObject { { QStringLiteral("state"), QStringLiteral("running") } });
    b.say(QStringLiteral("Let me look at the project first to answer %1.").arg(quoted(promptText)),
          b.jitter(400));

    const QString readId
        = b.useTool(QStringLiteral("read_file"),
                    QJsonObject { { QStringLiteral("path"), QStringLiteral("server/src/main.cpp") },
                                  { QStringLiteral("offset"), 1 },
                                  { QStringLiteral("limit"), 12 } },
                    b.jitter(350));
    b.toolResult(readId,
                 QStringLiteral("     1\t// sluice-server entry point\n"
                                "     2\t#include \"app/serverapp.h\"\n"
                                "     3\t#include <QtCore/QCoreApplication>\n"
                                "     4\t\n"
                                "     5\tint main(int argc, char *argv[])\n"
                                "     6\t{\n"
                                "     7\t    QCoreApplication app(argc, argv);\n"
                                "     8\t    ServerApp server(parseConfig(app.arguments()));\n"
                                "     9\t    if (!server.start())\n"
                                "    10\t        return 1;\n"
                                "    11\t    return app.exec();\n"
                                "    12\t}\n"),
                 b.jitter(250));

    b.newParagraph();
    b.say(QStringLiteral("The entry point only wires the server together. Before changing "
                         "anything I will run the server tests to see where we stand."),
          b.jitter(300));

    const QString runId = b.useTool(
        QStringLiteral("run_command"),
        QJsonObject {
            { QStringLiteral("command"),
              QStringLiteral("ctest --test-dir build -R '^tst_server' --output-on-failure") },
            { QStringLiteral("description"), QStringLiteral("Run the server test suite") },
            { QStringLiteral("timeout_ms"), 120000 } },
        b.jitter(300));
    b.toolResult(
        runId,
        QStringLiteral("Test project /work/sluice/build\n"
                       "    Start 1: tst_serverconfig\n"
                       "1/3 Test #1: tst_serverconfig .................   Passed    0.41 sec\n"
                       "    Start 2: tst_sessionsapi\n"
                       "2/3 Test #2: tst_sessionsapi ..................   Passed    1.87 sec\n"
                       "    Start 3: tst_streams\n"
                       "3/3 Test #3: tst_streams ......................   Passed    2.35 sec\n"
                       "\n100% tests passed, 0 tests failed out of 3\n"),
        b.jitter(1400));

    b.newParagraph();
    b.say(QStringLiteral("All three suites pass. Summary: the server starts from main.cpp, "
                         "streams are covered by tst_streams, and nothing needs fixing right "
                         "now. Ask me for a concrete change and I will make it."),
          b.jitter(300));
    return b.finish(int(promptText.size() / 4) + 1);
}

std::optional<QList<DemoStep>> loadTranscript(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1 (%2)").arg(path, file.errorString());
        return std::nullopt;
    }
    if (file.size() > maxTranscriptBytes) {
        *error = QStringLiteral("%1 is larger than %2 bytes").arg(path).arg(maxTranscriptBytes);
        return std::nullopt;
    }
    QList<DemoStep> steps;
    int lineNumber = 0;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &rawLine : lines) {
        ++lineNumber;
        const QByteArray line = rawLine.trimmed();
        if (line.isEmpty())
            continue;
        const auto fail = [&](const QString &what) {
            *error = QStringLiteral("%1 line %2: %3").arg(path).arg(lineNumber).arg(what);
            return std::nullopt;
        };
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
        if (parseError.error != QJsonParseError::NoError || !doc.isObject())
            return fail(QStringLiteral("not a JSON object"));
        const QJsonObject object = doc.object();
        const auto type = parseEventType(object.value(QLatin1String("type")).toString());
        if (!type)
            return fail(QStringLiteral("\"type\" must be one of %1")
                            .arg(eventTypeNames().join(QStringLiteral(", "))));
        const QJsonValue delay = object.value(QLatin1String("delay_ms"));
        if (!delay.isUndefined()
            && (!delay.isDouble() || delay.toDouble() < 0 || delay.toDouble() > 600000))
            return fail(QStringLiteral("\"delay_ms\" must be a number in [0, 600000]"));
        if (!object.value(QLatin1String("data")).isObject())
            return fail(QStringLiteral("\"data\" must be a JSON object"));
        if (!steps.isEmpty() && steps.constLast().type == EventType::Done)
            return fail(QStringLiteral("event after \"done\""));
        steps.append({ int(delay.toDouble()), *type, object.value(QLatin1String("data")) });
    }
    if (steps.isEmpty()) {
        *error = QStringLiteral("%1 holds no events").arg(path);
        return std::nullopt;
    }
    if (steps.constLast().type != EventType::Done) {
        steps.append(
            { 0, EventType::Done,
              QJsonObject { { QStringLiteral("reason"), QStringLiteral("end_of_transcript") } } });
    }
    return steps;
}

} // namespace Sluice::Server::DemoScript
