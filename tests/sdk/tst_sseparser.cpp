// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// Sluice::SseParser against WHATWG HTML §9.2 ("Parsing an event stream", "Interpreting an event
// stream"). Vectors follow the ideas of web-platform-tests eventsource/format-* and of the
// eventsource-parser test suite. Every vector is fed whole, byte by byte, two bytes at a time and
// in random splits; the seed is printed and can be fixed with SLUICE_TEST_SEED.
#include <Sluice/SseParser.h>

#include <QtCore/QRandomGenerator>
#include <QtCore/QRegularExpression>
#include <QtCore/QStringDecoder>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>

using Sluice::Event;
using Sluice::SseParser;

namespace {

// Readable, unambiguous rendering of parser output for QCOMPARE messages.
QString escaped(const QString &text)
{
    QString out;
    for (const QChar c : text) {
        switch (c.unicode()) {
        case u'\n':
            out += QLatin1String("\\n");
            break;
        case u'\r':
            out += QLatin1String("\\r");
            break;
        case u'\\':
            out += QLatin1String("\\\\");
            break;
        case u'"':
            out += QLatin1String("\\\"");
            break;
        default:
            if (c.unicode() < 0x20 || c.unicode() > 0x7E)
                out += QStringLiteral("\\u{%1}").arg(c.unicode(), 4, 16, QLatin1Char('0'));
            else
                out += c;
        }
    }
    return out;
}

QString ev(const QString &type, const QString &data, const QString &id = {})
{
    return QStringLiteral("event type=\"%1\" data=\"%2\" id=\"%3\"")
        .arg(escaped(type), escaped(data), escaped(id));
}

QString msg(const QString &data, const QString &id = {})
{
    return ev(QStringLiteral("message"), data, id);
}

QString cm(const QString &text)
{
    return QStringLiteral("comment \"%1\"").arg(escaped(text));
}

QString rt(qint64 milliseconds)
{
    return QStringLiteral("retry %1").arg(milliseconds);
}

QString s(const char *utf8)
{
    return QString::fromUtf8(utf8);
}

// Byte strings from literals, embedded NULs included.
template<std::size_t N> QByteArray raw(const char (&text)[N])
{
    return QByteArray(text, qsizetype(N - 1));
}

// A parser wired to record everything it reports.
struct Recorder
{
    SseParser parser;
    QStringList records;

    explicit Recorder(const SseParser::Limits &limits = {})
        : parser(limits)
    {
        parser.setEventHandler(
            [this](const Event &e) { records << ev(e.type(), e.data(), e.lastEventId()); });
        parser.setCommentHandler([this](QStringView c) { records << cm(c.toString()); });
        parser.setRetryHandler([this](qint64 ms) { records << rt(ms); });
    }
};

struct Result
{
    QStringList records;
    QString lastEventId;
};

// Feeds `input` cut at the given (sorted) offsets, then ends the stream.
Result parseSplit(const QByteArray &input, const QList<qsizetype> &cuts)
{
    Recorder r;
    qsizetype from = 0;
    for (const qsizetype cut : cuts) {
        r.parser.feed(QByteArrayView(input).sliced(from, cut - from));
        from = cut;
    }
    r.parser.feed(QByteArrayView(input).sliced(from));
    r.parser.finish();
    return { r.records, r.parser.lastEventId() };
}

Result parseInChunksOf(const QByteArray &input, qsizetype size)
{
    QList<qsizetype> cuts;
    for (qsizetype at = size; at < input.size(); at += size)
        cuts << at;
    return parseSplit(input, cuts);
}

QList<qsizetype> randomCuts(QRandomGenerator &rng, qsizetype length, int maxCuts)
{
    QList<qsizetype> cuts;
    if (length < 2)
        return cuts;
    const int count = 1 + int(rng.bounded(maxCuts));
    for (int i = 0; i < count; ++i)
        cuts << 1 + qsizetype(rng.bounded(quint32(length - 1)));
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    return cuts;
}

// The parser logs one warning when a limit is exceeded.
void expectLimitWarning()
{
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("^(line longer|event larger) than")));
}

quint32 testSeed()
{
    bool ok = false;
    const quint32 fromEnv = qEnvironmentVariable("SLUICE_TEST_SEED").toUInt(&ok);
    return ok ? fromEnv : 20261127u;
}

// ---- an independent, non-incremental reference of the spec, for valid UTF-8 input ----
Result referenceParse(const QByteArray &input)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    QString text = decoder(input);
    if (text.startsWith(QChar(0xFEFF)))
        text.remove(0, 1);

    Result result;
    QString data;
    QString type;
    QString idBuffer;
    qsizetype pos = 0;
    while (true) {
        qsizetype eol = pos;
        while (eol < text.size() && text[eol] != u'\r' && text[eol] != u'\n')
            ++eol;
        if (eol == text.size())
            break; // an unterminated last line is discarded
        const QString line = text.mid(pos, eol - pos);
        pos = eol + 1;
        if (text[eol] == u'\r' && pos < text.size() && text[pos] == u'\n')
            ++pos;

        if (line.isEmpty()) {
            result.lastEventId = idBuffer;
            if (data.isEmpty()) {
                type.clear();
                continue;
            }
            data.chop(1);
            result.records << ev(type.isEmpty() ? QStringLiteral("message") : type, data, idBuffer);
            data.clear();
            type.clear();
            continue;
        }
        if (line.startsWith(u':')) {
            result.records << cm(line.mid(1));
            continue;
        }
        const qsizetype colon = line.indexOf(u':');
        const QString name = colon < 0 ? line : line.left(colon);
        QString value = colon < 0 ? QString() : line.mid(colon + 1);
        if (value.startsWith(u' '))
            value.remove(0, 1);
        if (name == QLatin1String("event")) {
            type = value;
        } else if (name == QLatin1String("data")) {
            data += value + u'\n';
        } else if (name == QLatin1String("id")) {
            if (!value.contains(QChar(0)))
                idBuffer = value;
        } else if (name == QLatin1String("retry")) {
            bool digits = !value.isEmpty();
            for (const QChar c : value)
                digits = digits && c >= u'0' && c <= u'9';
            if (digits)
                result.records << rt(
                    qMin(value.size() > 12 ? SseParser::MaxRetryMilliseconds : value.toLongLong(),
                         SseParser::MaxRetryMilliseconds));
        }
    }
    return result;
}

// ---- reference UTF-8 decoder: Unicode "maximal subpart" practice, as the Encoding standard ----
QString referenceDecode(const QByteArray &bytes)
{
    struct Range
    {
        uchar low, high;
    };
    QString out;
    qsizetype i = 0;
    while (i < bytes.size()) {
        const uchar b = uchar(bytes[i]);
        QList<Range> trail; // ranges of the continuation bytes after b
        if (b <= 0x7F) {
            out += QChar(char16_t(b));
            ++i;
            continue;
        } else if (b >= 0xC2 && b <= 0xDF) {
            trail = { { 0x80, 0xBF } };
        } else if (b == 0xE0) {
            trail = { { 0xA0, 0xBF }, { 0x80, 0xBF } };
        } else if (b == 0xED) {
            trail = { { 0x80, 0x9F }, { 0x80, 0xBF } };
        } else if (b >= 0xE1 && b <= 0xEF) {
            trail = { { 0x80, 0xBF }, { 0x80, 0xBF } };
        } else if (b == 0xF0) {
            trail = { { 0x90, 0xBF }, { 0x80, 0xBF }, { 0x80, 0xBF } };
        } else if (b == 0xF4) {
            trail = { { 0x80, 0x8F }, { 0x80, 0xBF }, { 0x80, 0xBF } };
        } else if (b >= 0xF1 && b <= 0xF3) {
            trail = { { 0x80, 0xBF }, { 0x80, 0xBF }, { 0x80, 0xBF } };
        } else {
            out += QChar(0xFFFD);
            ++i;
            continue;
        }
        qsizetype matched = 0;
        while (matched < trail.size() && i + 1 + matched < bytes.size()
               && uchar(bytes[i + 1 + matched]) >= trail[matched].low
               && uchar(bytes[i + 1 + matched]) <= trail[matched].high)
            ++matched;
        if (matched < trail.size()) {
            out += QChar(0xFFFD); // the maximal subpart b + matched continuation bytes
            i += 1 + matched;
            continue;
        }
        char32_t codePoint = b & (0x7F >> (trail.size() + 1));
        for (qsizetype k = 1; k <= matched; ++k)
            codePoint = (codePoint << 6) | (uchar(bytes[i + k]) & 0x3F);
        // By hand: QString::fromUtf8 and fromUcs4 would both drop a U+FEFF.
        if (QChar::requiresSurrogates(codePoint)) {
            out += QChar(QChar::highSurrogate(codePoint));
            out += QChar(QChar::lowSurrogate(codePoint));
        } else {
            out += QChar(char16_t(codePoint));
        }
        i += 1 + matched;
    }
    return out;
}

// ---- random stream generator for the property test ----
QByteArray randomText(QRandomGenerator &rng, bool validUtf8Only)
{
    static const char *const pieces[] = {
        "a",
        "b",
        "z",
        "0",
        "7",
        " ",
        "  ",
        ":",
        "data",
        "id",
        "event",
        "retry",
        "\t",
        "{\"k\":1}",
        "\xC3\xA9",
        "\xE2\x82\xAC",
        "\xF0\x9F\x98\x80",
        "\xEF\xBB\xBF",
        "\xEF\xBF\xBD",
        "\\",
    };
    static const char *const invalid[]
        = { "\xFF", "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\x80", "\xED\xA0\x80", "\xC0\xAF" };
    QByteArray out;
    const int count = int(rng.bounded(6));
    for (int i = 0; i < count; ++i) {
        if (!validUtf8Only && rng.bounded(8) == 0)
            out += invalid[rng.bounded(int(std::size(invalid)))];
        else if (rng.bounded(40) == 0)
            out += '\0';
        else
            out += pieces[rng.bounded(int(std::size(pieces)))];
    }
    return out;
}

QByteArray randomStream(QRandomGenerator &rng, bool validUtf8Only)
{
    static const char *const lineEnds[] = { "\n", "\r", "\r\n" };
    static const char *const fields[]
        = { "data", "data", "data", "event", "id", "retry", "foo", "" };
    QByteArray out;
    if (rng.bounded(3) == 0)
        out += "\xEF\xBB\xBF";
    const int lines = int(rng.bounded(40));
    for (int i = 0; i < lines; ++i) {
        switch (rng.bounded(8)) {
        case 0:
        case 1:
            break; // blank line
        case 2:
            out += ':' + randomText(rng, validUtf8Only);
            break;
        case 3:
            out += "retry: " + QByteArray::number(rng.bounded(100000));
            break;
        default: {
            out += fields[rng.bounded(int(std::size(fields)))];
            const int colon = int(rng.bounded(4));
            if (colon > 0)
                out += colon == 1 ? ":" : ": ";
            out += randomText(rng, validUtf8Only);
        }
        }
        out += lineEnds[rng.bounded(3)];
    }
    if (rng.bounded(2) == 0)
        out += randomText(rng, validUtf8Only); // unterminated tail
    return out;
}

} // namespace

class tst_SseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void vectors_data();
    void vectors();

    void randomStreamsAreChunkingInvariant();
    void randomStreamsMatchReference();

    void utf8DecodingMatchesEncodingStandard();

    void lastEventIdCommittedAtBlankLine();
    void setLastEventIdSeedsStream();
    void originIsStampedOnEvents();
    void resetKeepsCommittedIdAndClearsBuffers();
    void resetRestoresBomDetection();
    void finishDiscardsIncompleteEvent();
    void retryIsClamped();
    void handlersAreOptional();

    void lineLimitExactBoundary();
    void lineTooLongInOneChunk();
    void lineTooLongAcrossChunksDoesNotGrowMemory();
    void eventLimitExactBoundary();
    void eventTooLargeDoesNotGrowMemory();
    void eventLimitHoldsForLinesAssembledFromChunks();
    void limitsAreSanitized();

    void largeEvent_data();
    void largeEvent();

    void handlerMayResetParser();
    void handlerMayDestroyParser();
    void handlerMayReplaceHandlers();
    void nestedFeedIsIgnored();
    void moveKeepsState();
    void dispatchedEventsNeverChange();
    void hasIncompleteEventSeesEveryBuffer();
    void lastEventIdSeenFromHandlers();

private:
    quint32 m_seed = 0;
};

void tst_SseParser::initTestCase()
{
    m_seed = testSeed();
    qInfo("random seed: %u (set SLUICE_TEST_SEED to reproduce)", m_seed);
}

void tst_SseParser::vectors_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<QString>("lastEventId");

    const QString none;
    const QString nul(QChar(0));

    // Fields and values.
    QTest::newRow("basic") << raw("data: hello\n\n") << QStringList { msg(s("hello")) } << none;
    QTest::newRow("no space after colon")
        << raw("data:hello\n\n") << QStringList { msg(s("hello")) } << none;
    QTest::newRow("only one leading space removed")
        << raw("data:  two\n\n") << QStringList { msg(s(" two")) } << none;
    QTest::newRow("leading tab kept")
        << raw("data:\ttest\n\n") << QStringList { msg(s("\ttest")) } << none;
    QTest::newRow("trailing space kept")
        << raw("data: x \n\n") << QStringList { msg(s("x ")) } << none;
    QTest::newRow("space only value") << raw("data: \n\n") << QStringList { msg(s("")) } << none;
    QTest::newRow("two spaces value") << raw("data:  \n\n") << QStringList { msg(s(" ")) } << none;
    QTest::newRow("multiline data joined with LF")
        << raw("data: a\ndata: b\ndata: c\n\n") << QStringList { msg(s("a\nb\nc")) } << none;
    QTest::newRow("field without colon is empty data")
        << raw("data\n\n") << QStringList { msg(s("")) } << none;
    QTest::newRow("data colon empty") << raw("data:\n\n") << QStringList { msg(s("")) } << none;
    QTest::newRow("two empty data lines")
        << raw("data\ndata\n\n") << QStringList { msg(s("\n")) } << none;
    QTest::newRow("wpt format-field-data")
        << raw("data:\n\ndata\ndata\n\ndata:test\n\n")
        << QStringList { msg(s("")), msg(s("\n")), msg(s("test")) } << none;
    QTest::newRow("colons in value kept")
        << raw("data: a:b: c\n\n") << QStringList { msg(s("a:b: c")) } << none;
    QTest::newRow("value starting with colon")
        << raw("data::x\n\n") << QStringList { msg(s(":x")) } << none;
    QTest::newRow("json value") << raw("event: tool_use\nid: 42\ndata: {\"a\": [1, 2]}\n\n")
                                << QStringList { ev(s("tool_use"), s("{\"a\": [1, 2]}"), s("42")) }
                                << s("42");
    QTest::newRow("NUL in data kept") << raw("data:\0\n\n\n\n") << QStringList { msg(nul) } << none;
    QTest::newRow("multiple events")
        << raw("data: 1\n\ndata: 2\n\ndata: 3\n\n")
        << QStringList { msg(s("1")), msg(s("2")), msg(s("3")) } << none;
    QTest::newRow("blank lines alone") << raw("\n\n\n\r\n\r") << QStringList {} << none;

    // Event type.
    QTest::newRow("named event") << raw("event: add\ndata: 1\n\n")
                                 << QStringList { ev(s("add"), s("1")) } << none;
    QTest::newRow("event type reset after dispatch")
        << raw("event: a\ndata: 1\n\ndata: 2\n\n")
        << QStringList { ev(s("a"), s("1")), msg(s("2")) } << none;
    QTest::newRow("empty event type is message")
        << raw("event: \ndata: x\n\n") << QStringList { msg(s("x")) } << none;
    QTest::newRow("event without colon is message")
        << raw("event\ndata: x\n\n") << QStringList { msg(s("x")) } << none;
    QTest::newRow("last event field wins")
        << raw("event: a\nevent: b\ndata: x\n\n") << QStringList { ev(s("b"), s("x")) } << none;
    QTest::newRow("event type without data reset")
        << raw("event: a\n\ndata: x\n\n") << QStringList { msg(s("x")) } << none;
    QTest::newRow("event type spaces kept") << raw("event: my event \ndata: x\n\n")
                                            << QStringList { ev(s("my event "), s("x")) } << none;
    QTest::newRow("explicit message type")
        << raw("event: message\ndata: x\n\n") << QStringList { msg(s("x")) } << none;
    QTest::newRow("event type after data")
        << raw("data: x\nevent: late\n\n") << QStringList { ev(s("late"), s("x")) } << none;

    // Last event ID.
    QTest::newRow("id") << raw("id: 1\ndata: x\n\n") << QStringList { msg(s("x"), s("1")) }
                        << s("1");
    QTest::newRow("id persists across events")
        << raw("id: 1\ndata: a\n\ndata: b\n\n")
        << QStringList { msg(s("a"), s("1")), msg(s("b"), s("1")) } << s("1");
    QTest::newRow("id without colon clears")
        << raw("id: 1\ndata: a\n\nid\ndata: b\n\n")
        << QStringList { msg(s("a"), s("1")), msg(s("b")) } << none;
    QTest::newRow("empty id clears") << raw("id: 1\ndata: a\n\nid:\ndata: b\n\n")
                                     << QStringList { msg(s("a"), s("1")), msg(s("b")) } << none;
    QTest::newRow("id containing NUL ignored")
        << raw("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n")
        << QStringList { msg(s("a"), s("1")), msg(s("b"), s("1")) } << s("1");
    QTest::newRow("id of event without data still sets last event id")
        << raw("id: 7\n\n") << QStringList {} << s("7");
    QTest::newRow("id without data then event")
        << raw("id: 7\n\ndata: x\n\n") << QStringList { msg(s("x"), s("7")) } << s("7");
    QTest::newRow("id after data")
        << raw("data: a\nid: 3\n\n") << QStringList { msg(s("a"), s("3")) } << s("3");
    QTest::newRow("id of incomplete event not committed")
        << raw("id: 1\ndata: a\n\nid: 2\ndata: b\n") << QStringList { msg(s("a"), s("1")) }
        << s("1");
    QTest::newRow("id spaces kept")
        << raw("id:  x y \ndata: a\n\n") << QStringList { msg(s("a"), s(" x y ")) } << s(" x y ");
    QTest::newRow("id utf-8") << raw("id: caf\xC3\xA9\ndata: a\n\n")
                              << QStringList { msg(s("a"), s("caf\xC3\xA9")) } << s("caf\xC3\xA9");

    // Retry.
    QTest::newRow("retry") << raw("retry: 3000\n\n") << QStringList { rt(3000) } << none;
    QTest::newRow("retry leading zeros")
        << raw("retry:03000\ndata:x\n\n") << QStringList { rt(3000), msg(s("x")) } << none;
    QTest::newRow("wpt retry bogus") << raw("retry:3000\nretry:1000x\ndata:x\n\n")
                                     << QStringList { rt(3000), msg(s("x")) } << none;
    QTest::newRow("retry without value ignored")
        << raw("retry\ndata:test\n\n") << QStringList { msg(s("test")) } << none;
    QTest::newRow("retry empty value ignored")
        << raw("retry:\nretry: \n\n") << QStringList {} << none;
    QTest::newRow("retry negative ignored") << raw("retry: -1\n\n") << QStringList {} << none;
    QTest::newRow("retry plus sign ignored") << raw("retry: +1\n\n") << QStringList {} << none;
    QTest::newRow("retry second space ignored") << raw("retry:  100\n\n") << QStringList {} << none;
    QTest::newRow("retry trailing space ignored")
        << raw("retry: 100 \n\n") << QStringList {} << none;
    QTest::newRow("retry decimal ignored") << raw("retry: 1.5\n\n") << QStringList {} << none;
    QTest::newRow("retry huge clamped")
        << raw("retry: 99999999999999999999999999999999\n\n")
        << QStringList { rt(SseParser::MaxRetryMilliseconds) } << none;
    QTest::newRow("retry just above int clamped")
        << raw("retry: 2147483648\n") << QStringList { rt(SseParser::MaxRetryMilliseconds) }
        << none;
    QTest::newRow("retry zero") << raw("retry: 0\n") << QStringList { rt(0) } << none;
    QTest::newRow("retry needs no blank line")
        << raw("retry: 10\n") << QStringList { rt(10) } << none;

    // Comments.
    QTest::newRow("comment keeps space")
        << raw(": hello\n\n") << QStringList { cm(s(" hello")) } << none;
    QTest::newRow("comment") << raw(":hello\n") << QStringList { cm(s("hello")) } << none;
    QTest::newRow("empty comment") << raw(":\n") << QStringList { cm(s("")) } << none;
    QTest::newRow("comment between data lines")
        << raw("data: a\n: c\ndata: b\n\n") << QStringList { cm(s(" c")), msg(s("a\nb")) } << none;
    QTest::newRow("heartbeats") << raw(":\r:\r\n:\n")
                                << QStringList { cm(s("")), cm(s("")), cm(s("")) } << none;
    QTest::newRow("comment does not dispatch")
        << raw("data: a\n:x\n") << QStringList { cm(s("x")) } << none;
    QTest::newRow("comment utf-8")
        << raw(": \xE2\x9C\x93\n") << QStringList { cm(s(" \xE2\x9C\x93")) } << none;
    QTest::newRow("comment with colons") << raw("::a:b\n") << QStringList { cm(s(":a:b")) } << none;

    // Unknown and malformed fields.
    QTest::newRow("field names case sensitive")
        << raw("Data: x\nDATA: y\nEvent: e\nID: 1\n\n") << QStringList {} << none;
    QTest::newRow("unknown field ignored")
        << raw("foo: bar\ndata: x\n\n") << QStringList { msg(s("x")) } << none;
    QTest::newRow("wpt format-field-unknown")
        << raw("data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\n"
               "data:test\n\n")
        << QStringList { cm(s("thisisacommentyay")), msg(s("test\n\ntest")) } << none;
    QTest::newRow("field with leading space ignored")
        << raw(" data: x\n\n") << QStringList {} << none;
    QTest::newRow("space only line ignored") << raw(" \n\n") << QStringList {} << none;
    QTest::newRow("wpt format-field-parsing")
        << raw("data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\r"
               "data:\r\n data:32\ndata:4\n\n")
        << QStringList { msg(nul + s("\n 2\n1\n3\n\n4")) } << none;

    // Line ends.
    QTest::newRow("CRLF") << raw("data: a\r\ndata: b\r\n\r\n") << QStringList { msg(s("a\nb")) }
                          << none;
    QTest::newRow("CR") << raw("data: a\rdata: b\r\r") << QStringList { msg(s("a\nb")) } << none;
    QTest::newRow("mixed line ends") << raw("data: a\ndata: b\rdata: c\r\n\r\ndata: d\r\n\n")
                                     << QStringList { msg(s("a\nb\nc")), msg(s("d")) } << none;
    QTest::newRow("CR CR is two line ends")
        << raw("data: a\r\rdata: b\n\n") << QStringList { msg(s("a")), msg(s("b")) } << none;
    QTest::newRow("LF CR is two line ends")
        << raw("data: a\n\rdata: b\n\n") << QStringList { msg(s("a")), msg(s("b")) } << none;
    QTest::newRow("CR then CRLF") << raw("data: abc\r\r\ndata: def\r\n\r\n")
                                  << QStringList { msg(s("abc")), msg(s("def")) } << none;
    QTest::newRow("CR inside value ends the line")
        << raw("data: a\rb\n\n") << QStringList { msg(s("a")) } << none;
    QTest::newRow("wpt format-newlines") << raw("data:test\r\ndata\ndata:test\r\n\r\n")
                                         << QStringList { msg(s("test\n\ntest")) } << none;
    QTest::newRow("wpt format-leading-space") << raw("data:\ttest\rdata: \ndata:test\n\n")
                                              << QStringList { msg(s("\ttest\n\ntest")) } << none;

    // End of stream.
    QTest::newRow("incomplete event discarded")
        << raw("data: a\n\ndata: b\n") << QStringList { msg(s("a")) } << none;
    QTest::newRow("incomplete line discarded")
        << raw("data: a\n\ndata: b") << QStringList { msg(s("a")) } << none;
    QTest::newRow("unterminated comment discarded") << raw(": x") << QStringList {} << none;
    QTest::newRow("event ended by CR at end of stream")
        << raw("data: a\r\r") << QStringList { msg(s("a")) } << none;

    // BOM.
    QTest::newRow("BOM stripped") << raw("\xEF\xBB\xBF"
                                         "data: a\n\n")
                                  << QStringList { msg(s("a")) } << none;
    QTest::newRow("wpt format-bom-2: only one BOM stripped") << raw("\xEF\xBB\xBF\xEF\xBB\xBF"
                                                                    "data: 1\n\ndata: 2\n\n")
                                                             << QStringList { msg(s("2")) } << none;
    QTest::newRow("BOM in value kept") << raw("data: \xEF\xBB\xBF"
                                              "a\n\n")
                                       << QStringList { msg(QStringLiteral("\uFEFFa")) } << none;
    QTest::newRow("BOM after first line not stripped") << raw("\n\xEF\xBB\xBF"
                                                              "data: x\n\n")
                                                       << QStringList {} << none;
    QTest::newRow("partial BOM is line content") << raw("\xEF\xBB"
                                                        "data: x\n\n")
                                                 << QStringList {} << none;
    QTest::newRow("partial BOM then line end")
        << raw("\xEF\xBB\ndata: x\n\n") << QStringList { msg(s("x")) } << none;
    QTest::newRow("BOM alone") << raw("\xEF\xBB\xBF") << QStringList {} << none;
    QTest::newRow("BOM then blank line then event")
        << raw("\xEF\xBB\xBF\r\ndata: x\r\n\r\n") << QStringList { msg(s("x")) } << none;

    // UTF-8 decoding (Encoding standard: one U+FFFD per maximal subpart).
    QTest::newRow("wpt format-utf-8")
        << raw("data: ok\xE2\x80\xA6\n\n") << QStringList { msg(s("ok\xE2\x80\xA6")) } << none;
    QTest::newRow("4-byte sequence")
        << raw("data: \xF0\x9F\x98\x80\n\n") << QStringList { msg(s("\xF0\x9F\x98\x80")) } << none;
    QTest::newRow("invalid byte replaced") << raw("data: a\xFF"
                                                  "b\n\n")
                                           << QStringList { msg(s("a\xEF\xBF\xBD"
                                                                  "b")) }
                                           << none;
    QTest::newRow("truncated 3-byte sequence is one U+FFFD")
        << raw("data: \xE2\x82"
               "A\n\n")
        << QStringList { msg(QStringLiteral("\uFFFDA")) } << none;
    QTest::newRow("truncated sequence at line end")
        << raw("data: \xF0\x9F\x98\n\n") << QStringList { msg(QStringLiteral("\uFFFD")) } << none;
    QTest::newRow("truncated sequence before next data line")
        << raw("data: \xF0\x9F\x98\ndata: \xC3\n\n")
        << QStringList { msg(QStringLiteral("\uFFFD\n\uFFFD")) } << none;
    QTest::newRow("overlong encoding")
        << raw("data: \xC0\x80\n\n") << QStringList { msg(QStringLiteral("\uFFFD\uFFFD")) } << none;
    QTest::newRow("encoded surrogate")
        << raw("data: \xED\xA0\x80\n\n")
        << QStringList { msg(QStringLiteral("\uFFFD\uFFFD\uFFFD")) } << none;
    QTest::newRow("above U+10FFFF")
        << raw("data: \xF4\x90\x80\x80\n\n")
        << QStringList { msg(QStringLiteral("\uFFFD\uFFFD\uFFFD\uFFFD")) } << none;
    QTest::newRow("noncharacters kept")
        << raw("data: \xEF\xBF\xBE\xEF\xBF\xBF\xEF\xB7\x90\n\n")
        << QStringList { msg(QStringLiteral("\uFFFE\uFFFF\uFDD0")) } << none;
    QTest::newRow("encoded U+FFFD")
        << raw("data: \xEF\xBF\xBD\n\n") << QStringList { msg(QStringLiteral("\uFFFD")) } << none;
    QTest::newRow("invalid bytes in event type")
        << raw("event: \xFF\ndata: x\n\n") << QStringList { ev(QStringLiteral("\uFFFD"), s("x")) }
        << none;
    QTest::newRow("invalid bytes in field name") << raw("d\xFF"
                                                        "ata: x\n\n")
                                                 << QStringList {} << none;
    QTest::newRow("invalid bytes in id")
        << raw("id: \xE2\x82\ndata: x\n\n") << QStringList { msg(s("x"), QStringLiteral("\uFFFD")) }
        << QStringLiteral("\uFFFD");
}

void tst_SseParser::vectors()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, expected);
    QFETCH(QString, lastEventId);

    const Result whole = parseSplit(input, {});
    QCOMPARE(whole.records, expected);
    QCOMPARE(whole.lastEventId, lastEventId);

    for (const qsizetype size : { 1, 2, 3 }) {
        const Result chunked = parseInChunksOf(input, size);
        QVERIFY2(chunked.records == expected, qPrintable(QStringLiteral("chunks of %1").arg(size)));
        QCOMPARE(chunked.lastEventId, lastEventId);
    }

    QRandomGenerator rng(m_seed ^ quint32(qHash(input)));
    for (int round = 0; round < 20; ++round) {
        const QList<qsizetype> cuts = randomCuts(rng, input.size(), 6);
        const Result split = parseSplit(input, cuts);
        QString where;
        for (const qsizetype cut : cuts)
            where += QString::number(cut) + u' ';
        QVERIFY2(split.records == expected,
                 qPrintable(QStringLiteral("seed %1, cuts at %2").arg(m_seed).arg(where)));
        QCOMPARE(split.lastEventId, lastEventId);
    }
}

void tst_SseParser::randomStreamsAreChunkingInvariant()
{
    QRandomGenerator rng(m_seed);
    int withEvents = 0;
    for (int stream = 0; stream < 300; ++stream) {
        const QByteArray input = randomStream(rng, false);
        const Result whole = parseSplit(input, {});
        withEvents += whole.records.isEmpty() ? 0 : 1;
        QCOMPARE(parseInChunksOf(input, 1).records, whole.records);
        for (int round = 0; round < 15; ++round) {
            const Result split = parseSplit(input, randomCuts(rng, input.size(), 12));
            QVERIFY2(split.records == whole.records,
                     qPrintable(QStringLiteral("seed %1, stream %2").arg(m_seed).arg(stream)));
            QCOMPARE(split.lastEventId, whole.lastEventId);
        }
    }
    QVERIFY(withEvents > 100); // the generator really produces events
}

void tst_SseParser::randomStreamsMatchReference()
{
    QRandomGenerator rng(m_seed + 1);
    for (int stream = 0; stream < 300; ++stream) {
        const QByteArray input = randomStream(rng, true);
        const Result expected = referenceParse(input);
        const Result split = parseSplit(input, randomCuts(rng, input.size(), 8));
        QVERIFY2(split.records == expected.records,
                 qPrintable(QStringLiteral("seed %1, stream %2: %3")
                                .arg(m_seed)
                                .arg(stream)
                                .arg(QString::fromLatin1(input.toPercentEncoding()))));
        QCOMPARE(split.lastEventId, expected.lastEventId);
    }
}

void tst_SseParser::utf8DecodingMatchesEncodingStandard()
{
    // Random byte soup, biased towards lead/continuation bytes and boundary values.
    static const uchar interesting[]
        = { 'a',  'Z',  ' ',  ':',  0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
            0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xBB, 0xBD,
            0xBE, 0xB7, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFE, 0xFF };
    QRandomGenerator rng(m_seed + 2);
    int withReplacements = 0;
    for (int round = 0; round < 3000; ++round) {
        QByteArray value;
        const int length = int(rng.bounded(12));
        for (int i = 0; i < length; ++i)
            value += char(interesting[rng.bounded(int(std::size(interesting)))]);
        const QString expected = referenceDecode(value);
        withReplacements += expected.contains(QChar(0xFFFD)) ? 1 : 0;
        Recorder r;
        r.parser.feed(QByteArray("event: " + value + "\nid: " + value + "\ndata: " + value
                                 + "\n: " + value + "\n\n"));
        const QString id = value.contains('\0') ? QString() : expected;
        const QString type = expected.isEmpty() ? QStringLiteral("message") : expected;
        const QStringList want { cm(u' ' + expected), ev(type, expected, id) };
        QVERIFY2(r.records == want,
                 qPrintable(QString::fromLatin1(value.toHex(' ')) + QLatin1String(" gave ")
                            + r.records.join(u',') + QLatin1String(" expected ")
                            + want.join(u',')));
    }
    QVERIFY(withReplacements > 1000);
    QVERIFY(withReplacements < 3000);
}

void tst_SseParser::lastEventIdCommittedAtBlankLine()
{
    Recorder r;
    r.parser.feed("id: 1\ndata: a\n");
    QCOMPARE(r.parser.lastEventId(), QString()); // not before the blank line
    r.parser.feed("\n");
    QCOMPARE(r.parser.lastEventId(), QStringLiteral("1"));
    r.parser.feed("id: 2\n");
    QCOMPARE(r.parser.lastEventId(), QStringLiteral("1"));
    r.parser.feed("\r\n");
    QCOMPARE(r.parser.lastEventId(), QStringLiteral("2"));
    QCOMPARE(r.records, QStringList { msg(s("a"), s("1")) });
}

void tst_SseParser::setLastEventIdSeedsStream()
{
    Recorder r;
    r.parser.setLastEventId(QStringLiteral("41"));
    QCOMPARE(r.parser.lastEventId(), QStringLiteral("41"));
    r.parser.feed("data: a\n\nid: 42\ndata: b\n\n");
    QCOMPARE(r.records, (QStringList { msg(s("a"), s("41")), msg(s("b"), s("42")) }));
    QCOMPARE(r.parser.lastEventId(), QStringLiteral("42"));
}

void tst_SseParser::originIsStampedOnEvents()
{
    SseParser parser;
    QList<Event> events;
    parser.setEventHandler([&events](const Event &event) { events.append(event); });
    QVERIFY(parser.origin().isEmpty());
    parser.feed("data: a\n\n");
    parser.setOrigin(QStringLiteral("https://example.org"));
    QCOMPARE(parser.origin(), QStringLiteral("https://example.org"));
    parser.feed("event: x\ndata: b\n\n");
    parser.reset(); // a new connection keeps the origin until it is set again
    parser.feed("data: c\n\n");
    QCOMPARE(events.size(), 3);
    QVERIFY(events.at(0).origin().isEmpty());
    QCOMPARE(events.at(1), Event(s("x"), s("b"), {}, s("https://example.org")));
    QCOMPARE(events.at(2).origin(), QStringLiteral("https://example.org"));
}

void tst_SseParser::resetKeepsCommittedIdAndClearsBuffers()
{
    Recorder r;
    r.parser.feed("id: 5\nevent: x\ndata: a\n\nid: 6\nevent: y\ndata: partial\ndata: li");
    r.parser.reset(); // connection lost mid-event
    QCOMPARE(r.parser.lastEventId(), QStringLiteral("5"));
    r.parser.feed("ne\ndata: b\n\n");
    QCOMPARE(r.records, (QStringList { ev(s("x"), s("a"), s("5")), msg(s("b"), s("5")) }));
}

void tst_SseParser::resetRestoresBomDetection()
{
    Recorder r;
    r.parser.feed("\xEF\xBB");
    r.parser.feed("\xBF"
                  "data: 1\n\n");
    r.parser.reset();
    r.parser.feed("\xEF");
    r.parser.feed("\xBB\xBF"
                  "data: 2\n\n");
    // Without reset() a BOM is content: the field name no longer matches.
    r.parser.feed("\xEF\xBB\xBF"
                  "data: 3\n\ndata: 4\n\n");
    QCOMPARE(r.records, (QStringList { msg(s("1")), msg(s("2")), msg(s("4")) }));
}

void tst_SseParser::finishDiscardsIncompleteEvent()
{
    Recorder r;
    r.parser.feed("data: a\n\nid: 9\nevent: t\ndata: b\n");
    r.parser.finish();
    QCOMPARE(r.parser.lastEventId(), QString());
    // The next stream starts clean: no leftover data, type or id.
    r.parser.feed("\xEF\xBB\xBF"
                  "data: c\n\n");
    QCOMPARE(r.records, (QStringList { msg(s("a")), msg(s("c")) }));
    QCOMPARE(r.parser.status(), SseParser::Status::Ok);
}

void tst_SseParser::retryIsClamped()
{
    Recorder r;
    const QByteArray stream = "retry: 2147483647\nretry: 2147483646\nretry: "
        + QByteArray(5000, '9') + "\nretry: 18446744073709551617\n";
    r.parser.feed(stream);
    QCOMPARE(
        r.records,
        (QStringList { rt(SseParser::MaxRetryMilliseconds), rt(SseParser::MaxRetryMilliseconds - 1),
                       rt(SseParser::MaxRetryMilliseconds), rt(SseParser::MaxRetryMilliseconds) }));
}

void tst_SseParser::handlersAreOptional()
{
    SseParser parser;
    QCOMPARE(parser.feed("retry: 1\n: c\nid: 3\ndata: x\n\n"), SseParser::Status::Ok);
    QCOMPARE(parser.lastEventId(), QStringLiteral("3"));
    QCOMPARE(parser.status(), SseParser::Status::Ok);
    QVERIFY(parser.errorString().isEmpty());
    parser.setEventHandler(nullptr);
    QCOMPARE(parser.feed("data: y\n\n"), SseParser::Status::Ok);
}

void tst_SseParser::lineLimitExactBoundary()
{
    const SseParser::Limits limits { 16, 1024 };
    // "data: " + 10 bytes = 16 bytes: exactly at the limit, accepted, in one chunk or many.
    const QByteArray atLimit = "data: 0123456789\n\n";
    for (const qsizetype size : { qsizetype(1), qsizetype(5), atLimit.size() }) {
        Recorder r(limits);
        for (qsizetype at = 0; at < atLimit.size(); at += size)
            QCOMPARE(
                r.parser.feed(QByteArrayView(atLimit).sliced(at, qMin(size, atLimit.size() - at))),
                SseParser::Status::Ok);
        QCOMPARE(r.records, QStringList { msg(s("0123456789")) });
    }
    for (const qsizetype size : { qsizetype(1), qsizetype(5), qsizetype(100) }) {
        Recorder r(limits);
        const QByteArray overLimit = "data: 0123456789A\n\n";
        expectLimitWarning();
        SseParser::Status last = SseParser::Status::Ok;
        for (qsizetype at = 0; at < overLimit.size(); at += size)
            last = r.parser.feed(
                QByteArrayView(overLimit).sliced(at, qMin(size, overLimit.size() - at)));
        QCOMPARE(last, SseParser::Status::LineTooLong);
        QVERIFY(r.records.isEmpty());
    }
}

void tst_SseParser::lineTooLongInOneChunk()
{
    Recorder r(SseParser::Limits { 1024, 1 << 20 });
    const QByteArray chunk = "data: ok\n\ndata: " + QByteArray(2000, 'x') + "\n\ndata: after\n\n";
    expectLimitWarning();
    QCOMPARE(r.parser.feed(chunk), SseParser::Status::LineTooLong);
    QCOMPARE(r.records, QStringList { msg(s("ok")) }); // lines before the long one were handled
    QCOMPARE(r.parser.status(), SseParser::Status::LineTooLong);
    QVERIFY(r.parser.errorString().contains(QLatin1String("1024")));
    // Input is ignored until reset().
    QCOMPARE(r.parser.feed("data: ignored\n\n"), SseParser::Status::LineTooLong);
    QCOMPARE(r.records.size(), 1);
    r.parser.reset();
    QCOMPARE(r.parser.status(), SseParser::Status::Ok);
    QVERIFY(r.parser.errorString().isEmpty());
    QCOMPARE(r.parser.feed("data: recovered\n\n"), SseParser::Status::Ok);
    QCOMPARE(r.records.last(), msg(s("recovered")));
}

void tst_SseParser::lineTooLongAcrossChunksDoesNotGrowMemory()
{
    const qsizetype limit = 64 * 1024;
    Recorder r(SseParser::Limits { limit, 4 * limit });
    r.parser.feed("id: keep\n\n");
    const QByteArray chunk(4096, 'y');
    r.parser.feed("data: ");
    expectLimitWarning();
    SseParser::Status status = SseParser::Status::Ok;
    qsizetype fed = 0;
    while (status == SseParser::Status::Ok && fed < 100 * limit) {
        status = r.parser.feed(chunk);
        fed += chunk.size();
        QVERIFY2(r.parser.bufferedBytes() <= limit,
                 qPrintable(QString::number(r.parser.bufferedBytes())));
    }
    QCOMPARE(status, SseParser::Status::LineTooLong);
    QVERIFY(fed <= limit + chunk.size()); // detected within one chunk of the limit
    QVERIFY(r.parser.bufferedBytes() <= 256); // buffers given back
    for (int i = 0; i < 100; ++i)
        QCOMPARE(r.parser.feed(chunk), SseParser::Status::LineTooLong);
    QVERIFY(r.parser.bufferedBytes() <= 256);
    r.parser.reset();
    r.parser.feed("data: again\n\n");
    QCOMPARE(r.records, QStringList { msg(s("again"), s("keep")) });
}

void tst_SseParser::eventLimitExactBoundary()
{
    // 3 lines of 3 bytes joined with LF: 11 bytes of data.
    const QByteArray stream = "data: abc\ndata: def\ndata: ghi\n\n";
    {
        Recorder r(SseParser::Limits { 1024, 11 });
        QCOMPARE(r.parser.feed(stream), SseParser::Status::Ok);
        QCOMPARE(r.records, QStringList { msg(s("abc\ndef\nghi")) });
    }
    {
        Recorder r(SseParser::Limits { 1024, 10 });
        expectLimitWarning();
        QCOMPARE(r.parser.feed(stream), SseParser::Status::EventTooLarge);
        QVERIFY(r.records.isEmpty());
        QVERIFY(r.parser.errorString().contains(QLatin1String("10")));
    }
}

void tst_SseParser::eventTooLargeDoesNotGrowMemory()
{
    const qsizetype limit = 256 * 1024;
    Recorder r(SseParser::Limits { 1024, limit });
    const QByteArray line = "data: " + QByteArray(1000, 'z') + '\n';
    expectLimitWarning();
    SseParser::Status status = SseParser::Status::Ok;
    int lines = 0;
    while (status == SseParser::Status::Ok && lines < 10000) {
        status = r.parser.feed(line);
        ++lines;
        QVERIFY2(r.parser.bufferedBytes() <= limit + 1 + 1024,
                 qPrintable(QString::number(r.parser.bufferedBytes())));
    }
    QCOMPARE(status, SseParser::Status::EventTooLarge);
    QCOMPARE(lines, int(limit / 1001) + 1);
    QVERIFY(r.parser.bufferedBytes() <= 256);
    QCOMPARE(r.parser.feed("\n"), SseParser::Status::EventTooLarge);
    QVERIFY(r.records.isEmpty()); // the oversized event is never dispatched
    r.parser.reset();
    QCOMPARE(r.parser.feed("data: small\n\n"), SseParser::Status::Ok);
    QCOMPARE(r.records, QStringList { msg(s("small")) });
}

void tst_SseParser::eventLimitHoldsForLinesAssembledFromChunks()
{
    // Long data lines that span chunks take a different (copy-free) path; same limits apply.
    const qsizetype limit = 20000;
    Recorder r(SseParser::Limits { limit, limit });
    const QByteArray line = "data: " + QByteArray(9000, 'q') + '\n';
    const auto feedInChunks = [&r](const QByteArray &bytes) {
        SseParser::Status status = SseParser::Status::Ok;
        for (qsizetype at = 0; at < bytes.size(); at += 1000)
            status = r.parser.feed(
                QByteArrayView(bytes).sliced(at, qMin<qsizetype>(1000, bytes.size() - at)));
        return status;
    };
    QCOMPARE(feedInChunks(line + line + '\n'), SseParser::Status::Ok);
    QCOMPARE(r.records, QStringList { msg(QString(9000, u'q') + u'\n' + QString(9000, u'q')) });
    QVERIFY(r.parser.bufferedBytes() <= 2 * limit + 2);
    expectLimitWarning();
    QCOMPARE(feedInChunks(line + line + line), SseParser::Status::EventTooLarge);
    QVERIFY(r.parser.bufferedBytes() <= 256);
    QCOMPARE(r.records.size(), 1);
}

void tst_SseParser::limitsAreSanitized()
{
    SseParser parser(SseParser::Limits { 0, -5 });
    QCOMPARE(parser.limits().maxLineBytes(), 1);
    QCOMPARE(parser.limits().maxEventBytes(), 1);
    parser.setLimits({});
    QCOMPARE(parser.limits().maxLineBytes(), SseParser::DefaultMaxLineBytes);
    QCOMPARE(parser.limits().maxEventBytes(), SseParser::DefaultMaxEventBytes);
}

void tst_SseParser::largeEvent_data()
{
    QTest::addColumn<int>("chunkSize"); // 0: random sizes
    QTest::newRow("whole") << -1;
    QTest::newRow("16 KiB") << 16 * 1024;
    QTest::newRow("random") << 0;
    QTest::newRow("2 bytes") << 2;
    QTest::newRow("1 byte") << 1;
}

void tst_SseParser::largeEvent()
{
    QFETCH(int, chunkSize);
    // 5 MiB of data over two lines, with multi-byte characters and CRLF line ends.
    QByteArray half;
    half.reserve(5 * 512 * 1024);
    while (half.size() < 5 * 512 * 1024 - 16)
        half += "0123456789abcd\xC3\xA9";
    const QByteArray stream = QByteArray("id: big\r\ndata: " + half + "\r\ndata: " + half
                                         + "\r\n\r\ndata: end\r\n\r\n");

    int events = 0;
    QString data;
    SseParser parser;
    parser.setEventHandler([&](const Event &e) {
        if (++events == 1)
            data = e.data();
    });
    QRandomGenerator rng(m_seed);
    qsizetype at = 0;
    while (at < stream.size()) {
        qsizetype size = chunkSize < 0 ? stream.size() : chunkSize;
        if (chunkSize == 0)
            size = 1 + qsizetype(rng.bounded(64 * 1024));
        size = qMin(size, stream.size() - at);
        QCOMPARE(parser.feed(QByteArrayView(stream).sliced(at, size)), SseParser::Status::Ok);
        at += size;
    }
    QCOMPARE(events, 2);
    const QString expectedHalf = QString::fromUtf8(half);
    QCOMPARE(data.size(), 2 * expectedHalf.size() + 1);
    QVERIFY(data == expectedHalf + u'\n' + expectedHalf);
    QCOMPARE(parser.lastEventId(), QStringLiteral("big"));
    // Buffers larger than the reuse allowance (2 MiB each) were given back.
    QVERIFY2(parser.bufferedBytes() <= 4 * 1024 * 1024 + 4096,
             qPrintable(QString::number(parser.bufferedBytes())));
}

void tst_SseParser::handlerMayResetParser()
{
    SseParser parser;
    QStringList seen;
    parser.setEventHandler([&](const Event &e) {
        seen << e.data();
        if (e.data() == QLatin1String("reset"))
            parser.reset();
    });
    parser.setCommentHandler([&](QStringView) { parser.finish(); });
    // The rest of the chunk after reset() is discarded.
    QCOMPARE(parser.feed("id: 1\ndata: reset\n\ndata: dropped\n\n"), SseParser::Status::Ok);
    QCOMPARE(parser.feed("data: next\n\n:finish\ndata: dropped too\n\n"), SseParser::Status::Ok);
    QCOMPARE(parser.feed("data: last\n\n"), SseParser::Status::Ok);
    QCOMPARE(seen, (QStringList { s("reset"), s("next"), s("last") }));
    QCOMPARE(parser.lastEventId(), QStringLiteral("1"));
}

void tst_SseParser::handlerMayDestroyParser()
{
    auto parser = std::make_unique<SseParser>();
    int events = 0;
    parser->setEventHandler([&](const Event &) {
        ++events;
        parser.reset(); // destroys the parser while it is feeding
    });
    const QByteArray chunk = "data: a\n\ndata: b\n\n" + QByteArray(100, 'x');
    parser->feed(chunk);
    QCOMPARE(events, 1);
    QVERIFY(!parser);

    auto other = std::make_unique<SseParser>();
    other->setRetryHandler([&](qint64) { other.reset(); });
    other->feed("retry: 5\ndata: x\n\n");
    QVERIFY(!other);
}

void tst_SseParser::handlerMayReplaceHandlers()
{
    SseParser parser;
    QStringList first;
    QStringList second;
    parser.setEventHandler([&](const Event &e) {
        first << e.data();
        parser.setEventHandler([&](const Event &e2) { second << e2.data(); });
    });
    parser.feed("data: 1\n\ndata: 2\n\ndata: 3\n\n");
    QCOMPARE(first, QStringList { s("1") });
    QCOMPARE(second, (QStringList { s("2"), s("3") }));
}

void tst_SseParser::nestedFeedIsIgnored()
{
    SseParser parser;
    QStringList seen;
    parser.setEventHandler([&](const Event &e) {
        seen << e.data();
        if (seen.size() == 1)
            parser.feed("data: nested\n\n");
    });
    QTest::ignoreMessage(QtWarningMsg, "SseParser::feed() called from a handler; chunk ignored");
    parser.feed("data: 1\n\ndata: 2\n\n");
    QCOMPARE(seen, (QStringList { s("1"), s("2") }));
}

void tst_SseParser::moveKeepsState()
{
    SseParser parser;
    QStringList seen;
    parser.setEventHandler([&](const Event &e) { seen << e.data() + u'/' + e.lastEventId(); });
    parser.feed("id: 1\ndata: a\n\ndata: b");
    SseParser moved(std::move(parser));
    moved.feed("c\n\n");
    SseParser assigned;
    assigned = std::move(moved);
    assigned.feed("data: d\n\n");
    QCOMPARE(seen, (QStringList { s("a/1"), s("bc/1"), s("d/1") }));
}

void tst_SseParser::dispatchedEventsNeverChange()
{
    // The parser refills the event it dispatched last when nobody kept a copy of it: whatever a
    // handler did keep (the event, or one of its strings) must keep its value, whatever follows
    // (other types and ids, data larger and smaller than the buffer kept for reuse).
    QByteArray stream;
    QStringList expected;
    QStringList expectedData;
    for (int i = 0; i < 40; ++i) {
        const QByteArray data = i % 7 == 6
            ? QByteArray(100 * 1024, char('a' + i % 26))
            : "d" + QByteArray::number(i) + QByteArray(i % 5 * 9, 'y');
        const QByteArray type = i % 4 == 0 ? "t" : i % 4 == 1 ? "other" : "";
        if (!type.isEmpty())
            stream += "event: " + type + "\n";
        if (i % 3 != 2)
            stream += "id: " + QByteArray::number(i) + "\n";
        // Odd events have two data lines, even ones one.
        const QByteArray lines
            = i % 2 ? data.left(data.size() / 2) + "\ndata: " + data.mid(data.size() / 2) : data;
        stream += "data: " + lines + "\n\n";
        const QString id = QString::number(i % 3 != 2 ? i : i - 1);
        const QString text = i % 2
            ? QString::fromLatin1(data.left(data.size() / 2) + "\n" + data.mid(data.size() / 2))
            : QString::fromLatin1(data);
        expected << ev(type.isEmpty() ? s("message") : QString::fromLatin1(type), text, id);
        expectedData << text;
    }
    for (const qsizetype chunk : { qsizetype(1), qsizetype(7), qsizetype(4096), stream.size() }) {
        SseParser parser;
        QList<Event> keptEvents;
        QStringList keptData;
        QStringList seen;
        int n = 0;
        parser.setEventHandler([&](const Event &e) {
            seen << ev(e.type(), e.data(), e.lastEventId());
            if (n % 3 == 0)
                keptEvents << e;
            else if (n % 3 == 1)
                keptData << e.data();
            ++n; // otherwise nothing is kept: the event is refilled for the next one
        });
        for (qsizetype at = 0; at < stream.size(); at += chunk)
            QCOMPARE(
                parser.feed(QByteArrayView(stream).sliced(at, qMin(chunk, stream.size() - at))),
                SseParser::Status::Ok);
        QCOMPARE(seen, expected);
        for (qsizetype i = 0; i < keptEvents.size(); ++i)
            QCOMPARE(ev(keptEvents.at(i).type(), keptEvents.at(i).data(),
                        keptEvents.at(i).lastEventId()),
                     expected.at(i * 3));
        for (qsizetype i = 0; i < keptData.size(); ++i)
            QCOMPARE(keptData.at(i), expectedData.at(i * 3 + 1));
    }
}

void tst_SseParser::hasIncompleteEventSeesEveryBuffer()
{
    SseParser parser;
    QVERIFY(!parser.hasIncompleteEvent());
    parser.feed("event: t\ndata: a\n\n");
    QVERIFY(!parser.hasIncompleteEvent());
    parser.feed("data: b\n"); // one data line, still in the chunk when it was parsed
    QVERIFY(parser.hasIncompleteEvent());
    parser.feed("\n");
    QVERIFY(!parser.hasIncompleteEvent());
    parser.feed("event: t\n"); // the type the last event had
    QVERIFY(parser.hasIncompleteEvent());
    parser.feed("\n");
    QVERIFY(!parser.hasIncompleteEvent());
    parser.feed("id: 7\n");
    QVERIFY(parser.hasIncompleteEvent());
    parser.feed("\n");
    QVERIFY(!parser.hasIncompleteEvent());
    QCOMPARE(parser.lastEventId(), s("7"));
    parser.feed("id: 7\n"); // the same ID again changes nothing
    QVERIFY(!parser.hasIncompleteEvent());
    parser.feed("data");
    QVERIFY(parser.hasIncompleteEvent());
}

void tst_SseParser::lastEventIdSeenFromHandlers()
{
    // The committed ID is kept in the dispatched event when possible: lastEventId() must agree
    // with every event, inside the handler and after it, whether copies were kept or not.
    SseParser parser;
    QStringList seen; // "event ID/parser ID" inside the handler
    QList<Event> kept;
    int n = 0;
    parser.setEventHandler([&](const Event &e) {
        seen << e.lastEventId() + u'/' + parser.lastEventId();
        if (n++ % 2)
            kept << e;
    });
    const QByteArray big(100 * 1024, 'z');
    parser.feed("id: 1\ndata: a\n\ndata: b\n\nid: 2\n\ndata: c\n\nid\ndata: d\n\n");
    QCOMPARE(parser.lastEventId(), QString());
    parser.feed(QByteArray("id: 3\ndata: " + big + "\n\n"));
    QCOMPARE(parser.lastEventId(), s("3"));
    parser.feed("data: e\n\nid: 4\n");
    QCOMPARE(parser.lastEventId(), s("3"));
    parser.feed("\n");
    QCOMPARE(parser.lastEventId(), s("4"));
    parser.feed("data: f\n\n");
    parser.setLastEventId(s("x"));
    QCOMPARE(parser.lastEventId(), s("x"));
    parser.feed("data: g\n\nid: x\n");
    QVERIFY(!parser.hasIncompleteEvent());
    QCOMPARE(seen,
             (QStringList { s("1/1"), s("1/1"), s("2/2"), s("/"), s("3/3"), s("3/3"), s("4/4"),
                            s("x/x") }));
    QCOMPARE(kept.size(), 4);
    QCOMPARE(kept.at(0).lastEventId(), s("1"));
    QCOMPARE(kept.at(1).lastEventId(), QString());
    QCOMPARE(kept.at(2).lastEventId(), s("3"));
    QCOMPARE(kept.at(3).lastEventId(), s("x"));
}

QTEST_GUILESS_MAIN(tst_SseParser)
#include "tst_sseparser.moc"
