// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// libFuzzer target for sluice-server's request path, end to end and in process: a real ServerApp
// (Listener on 127.0.0.1:0, QHttpServer 6.4 and its request parser, RouteTable, every route,
// Authenticator, CORS/ResponseFinisher, StreamHub/SSE, SQLite store in a temporary directory) gets
// each input as raw bytes on a fresh loopback TCP connection; the harness runs the server's event
// loop until nothing more happens (no event, no byte either way), closes the connection (with a
// FIN or, for three inputs in four, a reset) and runs it until the server has deleted its socket.
//
// Input: raw HTTP/1.1 (one request or several, pipelined). Placeholders are replaced before
// sending, so the fuzzer can reach the authenticated code (a MAC is not guessable):
//   {A}    a fresh access token of user A          {B}    an access token of user B
//   {F}    an access token of A with a live sign-in (refresh family, the `fam` claim)
//   {R}    a fresh refresh token of A              {PW}   A's password (user name "fuzz-a")
//   {S}    a fresh stream token of A for {SID}/{PID}   {T} the same for {SID}/{DID}
//   {SID}  A's session    {PID} a prompt in it that takes events    {DID} a finished prompt in it
//   {BSID} B's session    {BPID} a prompt in it    {K} the producer key    {M} the metrics token
// The server runs in cookie mode (the access cookie is parsed too), with a producer key and a
// metrics token; the ids are recreated every 100 inputs (finished prompts do not pile up) and
// both users every 2000 (with everything the fuzzer made for them: lists stay short).
// Properties checked on every input, beyond "no crash, no sanitizer report":
//   * the exchange ends within 10 s, and the server deletes the connection's socket within 5 s of
//     the client's close (no stuck socket);
//   * every response it writes is well-framed HTTP/1.1 (status line, headers, Content-Length or
//     chunked body) and none is a 500 (the store is healthy, so a 500 is an unhandled case);
//   * every response carries X-Content-Type-Options: nosniff (the ResponseFinisher's security
//     headers), a cookie is always HttpOnly, and Access-Control-Allow-Origin is only ever the
//     configured origin (https://app.example), only when the input names it.
//   * nothing but the stream is written on a connection that carries one (a request pipelined
//     behind a stream's GET is dropped, never answered inside the chunked body).
// SLUICE_FUZZ_DATA_DIR: where the temporary data directory is made (default /dev/shm when
// writable, else the system temporary directory: SQLite syncs on every write).
#include "app/serverapp.h"
#include "auth/passwordhasher.h"
#include "auth/passwordhashpool.h"
#include "auth/refreshtokenservice.h"
#include "auth/tokenservice.h"
#include "config/serverconfig.h"
#include "store/store.h"

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtNetwork/QTcpSocket>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace {

using namespace Sluice::Server;
using namespace std::chrono_literals;

constexpr qsizetype maxKeptResponseBytes = 1 << 20;
constexpr int exchangeTimeoutMs = 10000;
constexpr int closeTimeoutMs = 5000;
const QByteArray corsOrigin = QByteArrayLiteral("https://app.example");
// Cheap scrypt parameters: a login with the right password costs ~1 ms, not hundreds.
const PasswordHasher::Parameters cheapHash { 10, 8, 1 };
constexpr int idleRounds = 3; // event-loop rounds without any activity: the exchange is over
constexpr int refreshIdsEvery = 100;
constexpr int recreateUsersEvery = 2000;

[[noreturn]] void fail(const char *what, const QByteArray &detail = {})
{
    std::fprintf(stderr, "fuzz_http_request: %s\n", what);
    if (!detail.isEmpty())
        std::fprintf(stderr, "%s\n", detail.left(2000).constData());
    std::fflush(stderr);
    __builtin_trap();
}

void dropMessages(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    if (type == QtFatalMsg) {
        std::fprintf(stderr, "fatal: %s\n", qPrintable(message));
        std::abort();
    }
}

class Fixture
{
public:
    Fixture()
    {
        static int argc = 1;
        static char name[] = "fuzz_http_request";
        static char *argv[] = { name, nullptr };
        m_app = std::make_unique<QCoreApplication>(argc, argv);
        // SLUICE_FUZZ_DEBUG=1: the server's log on stderr (slow), for a reproducer.
        if (!m_debug) {
            qInstallMessageHandler(dropMessages);
            QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false\n*.info=false\n"
                                                            "*.warning=false\n*.critical=false"));
        }

        QString base = qEnvironmentVariable("SLUICE_FUZZ_DATA_DIR");
        if (base.isEmpty()) {
            const QFileInfo shm(QStringLiteral("/dev/shm"));
            base = shm.isDir() && shm.isWritable() ? shm.filePath() : QDir::tempPath();
        }
        m_dir = std::make_unique<QTemporaryDir>(base + QStringLiteral("/sluice-fuzz-http-XXXXXX"));
        if (!m_dir->isValid())
            fail("cannot create the data directory");
        // At exit (libFuzzer calls exit()), not in a destructor: the server is never destroyed.
        static QString path = m_dir->path();
        m_dir->setAutoRemove(false);
        std::atexit([] { QDir(path).removeRecursively(); });

        ServerConfig config;
        config.host = QHostAddress(QHostAddress::LocalHost);
        config.port = 0;
        config.dataDir = m_dir->path();
        config.accessKey = QByteArrayLiteral("fuzz-http-access-key-0123456789abcdefghij");
        config.streamKey = QByteArrayLiteral("fuzz-http-stream-key-0123456789abcdefghij");
        config.cookieMode = true;
        config.corsOrigins = { QString::fromLatin1(corsOrigin) };
        config.producerKey = QByteArrayLiteral("fuzz-producer-key-0123456789");
        config.metricsToken = QByteArrayLiteral("fuzz-metrics-token-0123456789");
        config.maxBodyBytes = 64 * 1024; // 413 within reach of the fuzzer's input sizes
        config.streamBufferBytes = 16 * 1024;
        // Unknown user names cost a full scrypt run: at most 4 per window from one address.
        config.loginMaxFailures = 1;
        // The users' hashes are cheap and at the configured cost (no rehash on login); logins
        // hash on a worker thread, within a budget the fuzzer's rate stays under.
        config.scryptLogN = cheapHash.logN;
        config.loginHashRate = 100000;
        m_tokens = std::make_unique<TokenService>(config);
        m_server = std::make_unique<ServerApp>(config);
        QString error;
        if (!m_server->start(true, &error))
            fail("the server does not start", error.toUtf8());
        m_port = m_server->port();
        m_refresh = std::make_unique<RefreshTokenService>(m_server->store(), 3600s);

        recreateUsers();
        selfTest();
    }

    static QByteArray password() { return QByteArrayLiteral("fuzz-password-0123"); }

    void run(const QByteArray &input)
    {
        ++m_inputs;
        if (m_inputs % recreateUsersEvery == 0)
            recreateUsers();
        else if (m_inputs % refreshIdsEvery == 0)
            refreshIds();
        const QByteArray request = expand(input);
        const Exchange result = exchange(request, qHash(input) % 4 != 0);
        if (m_debug) {
            std::fprintf(
                stderr, "--- request (%lld bytes)\n%s\n--- response (%lld bytes)\n%s\n---\n",
                static_cast<long long>(request.size()), request.constData(),
                static_cast<long long>(result.response.size()), result.response.constData());
        }
        check(input, result);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }

private:
    struct Exchange
    {
        QByteArray response;
        bool peerClosed = false; // the server closed the connection
        bool timedOut = false; // still busy after exchangeTimeoutMs
        int socketsLeft = 0; // server-side sockets still open closeTimeoutMs after the close
    };

    // Users A and B (again): what the fuzzer created for them (sessions, prompts, events, sign-ins)
    // goes with them, so lists and the database stay small.
    void recreateUsers()
    {
        Store &store = m_server->store();
        for (const QString &id : { m_userA, m_userB }) {
            if (!id.isEmpty() && !store.removeUser(id))
                fail("cannot remove a user");
        }
        const auto userA = store.createUser(QStringLiteral("fuzz-a"),
                                            PasswordHasher::hash(password(), cheapHash));
        const auto userB = store.createUser(QStringLiteral("fuzz-b"),
                                            PasswordHasher::hash(password(), cheapHash));
        if (!userA || !userB)
            fail("cannot create the users");
        m_userA = userA->id;
        m_userB = userB->id;
        refreshIds();
    }

    void refreshIds()
    {
        Store &store = m_server->store();
        const auto sessionA = store.createSession(m_userA, QStringLiteral("fuzz session"));
        const auto sessionB = store.createSession(m_userB, QStringLiteral("other user"));
        if (!sessionA || !sessionB)
            fail("cannot create sessions");
        const auto prompt = store.createPrompt(sessionA->id, QStringLiteral("live prompt"));
        const auto done = store.createPrompt(sessionA->id, QStringLiteral("finished prompt"));
        const auto promptB = store.createPrompt(sessionB->id, QStringLiteral("B's prompt"));
        if (!prompt || !done || !promptB)
            fail("cannot create prompts");
        for (const QString &id : { prompt->id, done->id }) {
            store.appendEvent(id, QStringLiteral("status"), QByteArrayLiteral("{\"state\":\"x\"}"));
            store.appendEvent(id, QStringLiteral("message"),
                              QByteArrayLiteral("{\"text\":\"hi\"}"));
        }
        EventAppend finish;
        finish.type = QStringLiteral("done");
        finish.jsonData = QByteArrayLiteral("{}");
        finish.newStatus = PromptStatus::Done;
        if (store.appendEvent(done->id, finish).outcome != AppendResult::Outcome::Appended)
            fail("cannot finish a prompt");
        m_sessionA = sessionA->id.toLatin1();
        m_sessionB = sessionB->id.toLatin1();
        m_promptA = prompt->id.toLatin1();
        m_promptDone = done->id.toLatin1();
        m_promptB = promptB->id.toLatin1();
    }

    QByteArray accessToken(const QString &user, const QString &family = {}) const
    {
        const auto minted = m_tokens->mintAccessToken(user, family);
        if (!minted)
            fail("cannot mint an access token");
        return minted->token;
    }

    QByteArray streamToken(const QByteArray &promptId) const
    {
        const auto minted = m_tokens->mintStreamToken(m_userA, QString::fromLatin1(m_sessionA),
                                                      QString::fromLatin1(promptId));
        if (!minted)
            fail("cannot mint a stream token");
        return minted->token;
    }

    std::optional<IssuedRefreshToken> issueRefresh()
    {
        auto issued = m_refresh->issue(m_userA);
        if (!issued)
            fail("cannot issue a refresh token");
        return issued;
    }

    // The placeholder at `at` (just after '{'), its replacement and its length with the braces.
    std::optional<std::pair<QByteArray, qsizetype>> placeholder(QByteArrayView rest)
    {
        const qsizetype close = rest.indexOf('}');
        if (close <= 0 || close > 5)
            return std::nullopt;
        const QByteArrayView name = rest.first(close);
        QByteArray value;
        if (name == "A")
            value = accessToken(m_userA);
        else if (name == "B")
            value = accessToken(m_userB);
        else if (name == "F")
            value = accessToken(m_userA, issueRefresh()->familyId);
        else if (name == "R")
            value = issueRefresh()->token;
        else if (name == "PW")
            value = password();
        else if (name == "S")
            value = streamToken(m_promptA);
        else if (name == "T")
            value = streamToken(m_promptDone);
        else if (name == "SID")
            value = m_sessionA;
        else if (name == "PID")
            value = m_promptA;
        else if (name == "DID")
            value = m_promptDone;
        else if (name == "BSID")
            value = m_sessionB;
        else if (name == "BPID")
            value = m_promptB;
        else if (name == "K")
            value = QByteArrayLiteral("fuzz-producer-key-0123456789");
        else if (name == "M")
            value = QByteArrayLiteral("fuzz-metrics-token-0123456789");
        else
            return std::nullopt;
        return std::make_pair(value, close + 2);
    }

    QByteArray expand(const QByteArray &input)
    {
        QByteArray out;
        out.reserve(input.size() + 512);
        qsizetype at = 0;
        while (at < input.size()) {
            const qsizetype brace = input.indexOf('{', at);
            if (brace < 0) {
                out.append(QByteArrayView(input).sliced(at));
                break;
            }
            out.append(QByteArrayView(input).sliced(at, brace - at));
            if (const auto p = placeholder(QByteArrayView(input).sliced(brace + 1))) {
                out.append(p->first);
                at = brace + p->second;
            } else {
                out.append('{');
                at = brace + 1;
            }
        }
        return out;
    }

    // One round of the server's event loop (without blocking) and of the client's socket.
    // Returns whether anything happened.
    bool step(int fd, const QByteArray &request, qsizetype *sent, Exchange *result)
    {
        bool progress = false;
        while (*sent < request.size()) {
            const ssize_t n = ::send(fd, request.constData() + *sent,
                                     size_t(request.size() - *sent), MSG_NOSIGNAL);
            if (n > 0) {
                *sent += n;
                progress = true;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            } else {
                *sent = request.size(); // the server closed or reset: nothing more to send
                progress = true;
            }
        }
        while (!result->peerClosed) {
            char buffer[65536];
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                if (result->response.size() < maxKeptResponseBytes)
                    result->response.append(buffer, n);
                progress = true;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            } else {
                result->peerClosed = true; // 0: orderly close; < 0: reset
                progress = true;
            }
        }
        progress |= QAbstractEventDispatcher::instance()->processEvents(QEventLoop::AllEvents);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        // A login's password check runs on a worker thread: the exchange is not over while one
        // is in flight, though the event loop is idle meanwhile.
        if (!progress && m_server->passwordHashes().pending() > 0) {
            QThread::usleep(200);
            progress = true;
        }
        return progress;
    }

    int openServerSockets() const { return int(m_server->findChildren<QTcpSocket *>().size()); }

    // One connection: send everything, read until the server has nothing more to say (its event
    // loop and the connection are idle; QTcpSocket cannot half-close: an EOF from the client
    // drops the reply it has not flushed yet), close, and let the server clean up.
    Exchange exchange(const QByteArray &request, bool reset = false)
    {
        Exchange result;
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            fail("socket() failed");
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(m_port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        // Non-blocking from the start: libFuzzer's SIGALRM (-timeout) would interrupt a blocking
        // connect().
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
            if (errno != EINPROGRESS && errno != EINTR)
                fail("connect() to the server failed", QByteArray(std::strerror(errno)));
            pollfd pending { fd, POLLOUT, 0 };
            while (::poll(&pending, 1, exchangeTimeoutMs) < 0 && errno == EINTR) { }
            int error = 0;
            socklen_t length = sizeof error;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (!(pending.revents & POLLOUT) || error != 0)
                fail("connect() to the server failed", QByteArray(std::strerror(error)));
        }

        QElapsedTimer clock;
        clock.start();
        qsizetype sent = 0;
        for (int idle = 0; idle < idleRounds && !result.peerClosed;) {
            idle = step(fd, request, &sent, &result) ? 0 : idle + 1;
            if (clock.elapsed() > exchangeTimeoutMs) {
                result.timedOut = true;
                break;
            }
        }
        // A reset (SO_LINGER 0), for three inputs in four: the server sees both ways a peer goes,
        // and the client does not pile up TIME_WAIT ports (one per graceful close, for 60 s).
        if (reset) {
            const linger immediate { 1, 0 };
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &immediate, sizeof immediate);
        }
        ::close(fd);
        // The server must notice the close and delete the connection's socket.
        QElapsedTimer closing;
        closing.start();
        int idle = 0;
        while (openServerSockets() > 0) {
            if (QAbstractEventDispatcher::instance()->processEvents(QEventLoop::AllEvents))
                idle = 0;
            else if (++idle > idleRounds)
                QThread::msleep(1);
            QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
            if (closing.elapsed() > closeTimeoutMs) {
                result.socketsLeft = openServerSockets();
                break;
            }
        }
        return result;
    }

    // Every response in `bytes` (pipelined): status line, headers, body by Content-Length or
    // chunked. Truncation (the server may cut a stream or reset) ends the check quietly.
    static void check(const QByteArray &input, const Exchange &exchange)
    {
        if (exchange.timedOut)
            fail("the exchange was still busy after 10 s", input);
        if (exchange.socketsLeft > 0)
            fail("a server socket was still open 5 s after the client closed", input);
        const QByteArray &bytes = exchange.response;
        // A HEAD response announces a body it does not carry: after one, only the first response
        // of the connection can be framed without knowing which request it answers.
        const bool headRequest = input.contains("HEAD");
        const bool allowedOrigin = input.contains(corsOrigin);
        qsizetype at = 0;
        while (at < bytes.size() && (at == 0 || !headRequest)) {
            const qsizetype headEnd = bytes.indexOf("\r\n\r\n", at);
            if (headEnd < 0)
                return;
            const QList<QByteArray> lines = bytes.mid(at, headEnd - at).split('\n');
            const QByteArray status = lines.constFirst();
            if (!status.startsWith("HTTP/1.1 ") || status.size() < 13 || status.at(12) != ' '
                || !std::isdigit(static_cast<unsigned char>(status.at(9)))
                || !std::isdigit(static_cast<unsigned char>(status.at(10)))
                || !std::isdigit(static_cast<unsigned char>(status.at(11))))
                fail("malformed status line in the response", bytes.mid(at, 200));
            const int code = status.mid(9, 3).toInt();
            if (code == 500)
                fail("the server answered 500", input);
            qint64 length = -1;
            bool chunked = false;
            bool nosniff = false;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines.at(i).trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon <= 0)
                    fail("malformed header line in the response", line);
                const QByteArray name = line.left(colon).trimmed().toLower();
                const QByteArray value = line.mid(colon + 1).trimmed();
                if (name == "content-length")
                    length = value.toLongLong();
                else if (name == "transfer-encoding")
                    chunked = value.toLower() == "chunked";
                else if (name == "x-content-type-options")
                    nosniff = value == "nosniff";
                else if (name == "access-control-allow-origin"
                         && (value != corsOrigin || !allowedOrigin))
                    fail("CORS allows an origin that is not configured or not asked for", input);
                else if (name == "set-cookie" && !value.contains("HttpOnly"))
                    fail("a cookie without HttpOnly", value);
            }
            if (!nosniff)
                fail("a response without X-Content-Type-Options: nosniff", bytes.mid(at, 300));
            at = headEnd + 4;
            if (code == 204 || code == 304 || (code >= 100 && code < 200))
                continue;
            if (chunked) {
                for (;;) {
                    const qsizetype lineEnd = bytes.indexOf("\r\n", at);
                    if (lineEnd < 0)
                        return;
                    if (bytes.mid(at, lineEnd - at).startsWith("HTTP/1.1 "))
                        fail("a response inside an open chunked stream (a pipelined request "
                             "after a stream GET)",
                             input);
                    bool ok = false;
                    const qint64 size = bytes.mid(at, lineEnd - at).toLongLong(&ok, 16);
                    if (!ok || size < 0)
                        fail("malformed chunk size in the response", bytes.mid(at, 40));
                    at = lineEnd + 2 + size + 2;
                    if (at > bytes.size())
                        return;
                    if (bytes.mid(at - 2, 2) != "\r\n")
                        fail("chunk not followed by CRLF in the response");
                    if (size == 0)
                        break;
                }
            } else if (length >= 0) {
                at += length;
            } else {
                return; // delimited by the close
            }
        }
    }

public:
    // A request as the seeds write it: Content-Length is the length of the body once its
    // placeholders are expanded (every placeholder expands to a fixed length).
    QByteArray request(const QByteArray &method, const QByteArray &target,
                       const QList<QByteArray> &headers = {}, const QByteArray &body = {})
    {
        QByteArray text = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (const QByteArray &header : headers)
            text += header + "\r\n";
        if (!body.isEmpty()) {
            text += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(expand(body).size()) + "\r\n";
        }
        return text + "\r\n" + body;
    }

    int statusOf(const QByteArray &input)
    {
        const Exchange ex = exchange(expand(input));
        const QByteArray response = ex.response;
        return response.startsWith("HTTP/1.1 ") ? response.mid(9, 3).toInt() : 0;
    }

    // The seed corpus (SLUICE_FUZZ_WRITE_SEEDS=<dir>): one file per request shape, each run once
    // here to print the status it gets.
    void writeSeeds(const QString &dir)
    {
        QDir().mkpath(dir);
        const QByteArray api = "/api/claude-code/sessions";
        const QByteArray prompt = api + "/{SID}/prompts/{PID}";
        const QByteArray bearer = "Authorization: Bearer {A}";
        const QList<std::pair<const char *, QByteArray>> seeds = {
            { "health", request("GET", "/healthz") },
            { "metrics", request("GET", "/metrics", { "Authorization: Bearer {M}" }) },
            { "metrics-no-token", request("GET", "/metrics") },
            { "login",
              request("POST", "/api/auth/login", {},
                      R"({"username":"fuzz-a","password":"{PW}"})") },
            { "login-wrong-password",
              request("POST", "/api/auth/login", {},
                      R"({"username":"FUZZ-A","password":"wrong-password"})") },
            { "login-unknown-user",
              request("POST", "/api/auth/login", {},
                      R"({"username":"nobody","password":"{PW}"})") },
            { "refresh", request("POST", "/api/auth/refresh", {}, R"({"refreshToken":"{R}"})") },
            { "logout-device",
              request("POST", "/api/auth/logout", { "Authorization: Bearer {F}" },
                      R"({"refreshToken":"{R}"})") },
            { "logout-everywhere", request("POST", "/api/auth/logout", { bearer }) },
            { "sessions", request("GET", api, { bearer }) },
            { "sessions-cookie-ignored", request("GET", api, { "Cookie: sluice_access={A}" }) },
            { "session-create", request("POST", api, { bearer }, R"({"title":"t\u00e9st"})") },
            { "session-create-null-title", request("POST", api, { bearer }, R"({"title":null})") },
            { "session-get", request("GET", api + "/{SID}", { bearer }) },
            { "session-of-other-user", request("GET", api + "/{BSID}", { bearer }) },
            { "prompts", request("GET", api + "/{SID}/prompts", { bearer }) },
            { "prompt-create",
              request("POST", api + "/{SID}/prompts", { bearer },
                      R"({"text":"hello \ud83d\ude00"})") },
            { "prompt-get", request("GET", prompt, { "authorization: bearer {B}" }) },
            { "stream-token", request("POST", prompt + "/stream-token", { bearer }) },
            { "stream-with-stream-token", request("GET", prompt + "/stream?stream_token={S}") },
            { "stream-with-bearer",
              request("GET", prompt + "/stream",
                      { bearer, "Last-Event-ID: 1", "Accept: text/event-stream" }) },
            { "stream-with-cookie",
              request("GET", prompt + "/stream?last_event_id=1",
                      { "Cookie: theme=dark; sluice_access={A}" }) },
            { "stream-done-prompt",
              request("GET", api + "/{SID}/prompts/{DID}/stream?stream_token={T}") },
            { "stream-done-seen",
              request("GET", api + "/{SID}/prompts/{DID}/stream", { bearer, "Last-Event-ID: 3" }) },
            { "stream-token-other-prompt",
              request("GET", api + "/{SID}/prompts/{DID}/stream?stream_token={S}") },
            { "stream-access-token-in-query", request("GET", prompt + "/stream?stream_token={A}") },
            { "stream-bad-last-event-id",
              request("GET", prompt + "/stream",
                      { bearer, "Last-Event-ID: 1", "last-event-id: -2" }) },
            { "event-producer",
              request("POST", prompt + "/events", { "X-Sluice-Producer-Key: {K}" },
                      R"({"type":"message","data":{"text":"abc"}})") },
            { "event-producer-bearer",
              request("POST", prompt + "/events", { "Authorization: Bearer {K}" },
                      R"({"type":"tool_use","data":{"name":"read_file","input":{}}})") },
            { "event-owner",
              request("POST", prompt + "/events", { bearer },
                      R"({"type":"status","data":{"state":"thinking"}})") },
            { "event-done", request("POST", prompt + "/events", { bearer }, R"({"type":"done"})") },
            { "event-bad-type",
              request("POST", prompt + "/events", { bearer },
                      R"({"type":"nope","data":[1,2.5e308,null,true]})") },
            { "event-two-producer-keys",
              request("POST", prompt + "/events",
                      { "X-Sluice-Producer-Key: {K}", "X-Sluice-Producer-Key: {K}" },
                      R"({"type":"message","data":{}})") },
            { "event-other-user",
              request("POST", api + "/{BSID}/prompts/{BPID}/events", { bearer },
                      R"({"type":"message","data":{"text":"x"}})") },
            { "preflight",
              request("OPTIONS", api,
                      { "Origin: https://app.example", "Access-Control-Request-Method: POST",
                        "Access-Control-Request-Headers: authorization, content-type" }) },
            { "method-not-allowed", request("DELETE", api + "/{SID}", { bearer }) },
            { "not-found", request("GET", "/api/claude-code/%73essions/..%2f{SID}?a=b&a=c#frag") },
            { "head", request("HEAD", "/healthz") },
            { "two-authorization-headers",
              request("GET", api, { bearer, "Authorization: Bearer {B}" }) },
            { "basic-scheme", request("GET", api, { "Authorization: Basic ZnV6ei1hOnB3" }) },
            { "wrong-content-type",
              QByteArray("POST /api/claude-code/sessions HTTP/1.1\r\nHost: x\r\n"
                         "Authorization: Bearer {A}\r\nContent-Type: text/plain\r\n"
                         "Content-Length: 2\r\n\r\n{}") },
            { "chunked-body",
              QByteArray("POST /api/claude-code/sessions HTTP/1.1\r\nHost: x\r\n"
                         "Authorization: Bearer {A}\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"tit\r\n"
                         "b\r\nle\":\"c\"}   \r\n0\r\n\r\n") },
            { "content-length-too-large",
              QByteArray("POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
                         "Content-Type: application/json\r\n"
                         "Content-Length: 70000\r\n\r\n{}") },
            { "expect-continue",
              QByteArray("POST /api/claude-code/sessions HTTP/1.1\r\nHost: x\r\n"
                         "Authorization: Bearer {A}\r\nExpect: 100-continue\r\n"
                         "Content-Type: application/json; charset=utf-8\r\n"
                         "Content-Length: 2\r\n\r\n{}") },
            { "pipelined",
              request("GET", "/healthz") + request("GET", api + "/{SID}/prompts", { bearer })
                  + request("POST", api + "/{SID}/prompts", { bearer }, R"({"text":"x"})") },
            { "http10-absolute", QByteArray("GET http://127.0.0.1/healthz HTTP/1.0\r\n\r\n") },
            { "garbage",
              QByteArrayLiteral(
                  "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 GET / HTTP/1.1\r\n\r\n") },
        };
        int n = 0;
        for (const auto &[name, text] : seeds) {
            QFile file(dir + u'/' + QLatin1String(name));
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
                fail("cannot write a seed");
            file.write(text);
            std::fprintf(stderr, "%-32s %d\n", name, statusOf(text));
            ++n;
        }
        std::fprintf(stderr, "fuzz_http_request: wrote %d seeds to %s\n", n, qPrintable(dir));
    }

private:
    // The harness itself: the placeholders must open the authenticated paths.
    void selfTest()
    {
        const int sessions = statusOf(
            request("GET", "/api/claude-code/sessions", { "Authorization: Bearer {A}" }));
        const int stream = statusOf(request(
            "GET", "/api/claude-code/sessions/{SID}/prompts/{PID}/stream?stream_token={S}"));
        const int login = statusOf(
            request("POST", "/api/auth/login", {}, R"({"username":"fuzz-a","password":"{PW}"})"));
        const int event = statusOf(request(
            "POST", "/api/claude-code/sessions/{SID}/prompts/{PID}/events",
            { "X-Sluice-Producer-Key: {K}" }, R"({"type":"message","data":{"text":"abc"}})"));
        if (sessions != 200 || stream != 200 || login != 200 || event != 201) {
            fail("harness self-test failed",
                 QByteArray("sessions ") + QByteArray::number(sessions) + ", stream "
                     + QByteArray::number(stream) + ", login " + QByteArray::number(login)
                     + ", event " + QByteArray::number(event));
        }
    }

    std::unique_ptr<QCoreApplication> m_app;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<ServerApp> m_server;
    std::unique_ptr<RefreshTokenService> m_refresh;
    quint16 m_port = 0;
    QString m_userA;
    QString m_userB;
    QByteArray m_sessionA;
    QByteArray m_sessionB;
    QByteArray m_promptA;
    QByteArray m_promptDone;
    QByteArray m_promptB;
    quint64 m_inputs = 0;
    const bool m_debug = qEnvironmentVariableIsSet("SLUICE_FUZZ_DEBUG");
};

Fixture *fixture = nullptr; // never destroyed: libFuzzer exits with the server running

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fixture = new Fixture;
    const QString seeds = qEnvironmentVariable("SLUICE_FUZZ_WRITE_SEEDS");
    if (!seeds.isEmpty()) {
        fixture->writeSeeds(seeds);
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    fixture->run(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    return 0;
}
