// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "cli/usercommand.h"

#include "auth/passwordhasher.h"
#include "bus/redislocation.h"
#ifdef SLUICE_HAVE_REDIS
#include "bus/rediseventbus.h"
#endif
#include "cli/passwordprompt.h"
#include "config/configvalues.h"
#include "config/keyfiles.h"
#include "config/secrets.h"
#include "store/sqlitestore.h"
#include "store/storeopener.h"
#include "stream/streamhub.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QRegularExpression>
#include <QtCore/QStandardPaths>

#include <cstdio>

namespace Sluice::Server {

namespace {

constexpr int exitOk = 0;
constexpr int exitFailure = 1;
constexpr int exitUsage = 2;

const char usageText[]
    = "Usage: sluice-server user <command> [NAME] [--data-dir DIR | --database URL]\n"
      "                           [--redis URL]\n"
      "\n"
      "Commands:\n"
      "  add NAME      create an account (password from stdin when piped, else prompted twice)\n"
      "  list          list the accounts\n"
      "  passwd NAME   set a new password (signs the user out everywhere: refresh, access and\n"
      "                stream tokens stop working; open streams end at once with --redis, else\n"
      "                at the servers' next periodic check, within 2 s)\n"
      "  remove NAME   delete the account, its refresh tokens, sessions, prompts and events\n"
      "                (its open streams end as after passwd)\n"
      "\n"
      "Options:\n"
      "  --data-dir DIR  data directory (default: $SLUICE_DATA_DIR, else ~/.local/share/sluice)\n"
      "  --database URL  the servers' PostgreSQL database, postgresql://user@host:port/db\n"
      "                  (default: $SLUICE_DATABASE); its password from the file\n"
      "                  $SLUICE_DATABASE_PASSWORD_FILE or $SLUICE_DATABASE_PASSWORD\n"
      "  --redis URL     the servers' bus, redis://host:port (default: $SLUICE_REDIS): passwd\n"
      "                  and remove announce the change there, and every running instance ends\n"
      "                  the user's open streams at once. Unreachable: a warning, the change\n"
      "                  stands\n"
      "\n"
      "Passwords are hashed with scrypt N = 2^17 (OWASP), or 2^$SLUICE_SCRYPT_LOG_N (10-20).\n"
      "User names: 1-64 characters from A-Z a-z 0-9 . _ @ -; passwords: 8-1024 characters.\n";

void out(const QString &line)
{
    std::fprintf(stdout, "%s\n", line.toLocal8Bit().constData());
    std::fflush(stdout);
}

int fail(const QString &line, int code = exitFailure)
{
    std::fprintf(stderr, "sluice-server user: %s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
    return code;
}

void warn(const QString &line)
{
    std::fprintf(stderr, "sluice-server user: warning: %s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
}

QString defaultDataDir()
{
    const QString fromEnv
        = QProcessEnvironment::systemEnvironment().value(QStringLiteral("SLUICE_DATA_DIR"));
    if (!fromEnv.isEmpty())
        return fromEnv;
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/share");
    return base + QStringLiteral("/sluice");
}

// The server's --scrypt-log-n comes from the same variable, so a password set here costs what the
// server would make it cost (and a weaker one is upgraded at the next login).
std::optional<ScryptParameters> hashParameters(QString *error)
{
    const QString text
        = QProcessEnvironment::systemEnvironment().value(QStringLiteral("SLUICE_SCRYPT_LOG_N"));
    if (text.isEmpty())
        return ScryptParameters {};
    QString reason;
    const auto logN = ConfigValues::parseInteger(text, ScryptParameters::minimumLogN,
                                                 ScryptParameters::maximumLogN, &reason);
    if (!logN) {
        *error = QStringLiteral("SLUICE_SCRYPT_LOG_N: ") + reason;
        return std::nullopt;
    }
    return ScryptParameters { int(*logN) };
}

bool validUserName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9._@-]{1,64}$"));
    return pattern.match(name).hasMatch();
}

// The new password: one line from a pipe, or typed twice on a terminal.
std::optional<QByteArray> readNewPassword(QString *error)
{
    QByteArray password;
    if (stdinIsTerminal()) {
        const auto first = promptPassword("Password: ");
        const auto second = first ? promptPassword("Repeat password: ") : std::nullopt;
        if (!first || !second) {
            *error = QStringLiteral("no password given");
            return std::nullopt;
        }
        if (*first != *second) {
            *error = QStringLiteral("the passwords do not match");
            return std::nullopt;
        }
        password = *first;
    } else {
        const auto line = readPasswordLine();
        if (!line) {
            *error = QStringLiteral("no password on stdin");
            return std::nullopt;
        }
        password = *line;
    }
    if (password.isEmpty()) {
        *error = QStringLiteral("the password is empty");
        return std::nullopt;
    }
    if (QString::fromUtf8(password).size() < PasswordHasher::minimumPasswordLength) {
        *error = QStringLiteral("the password is too short (at least %1 characters)")
                     .arg(PasswordHasher::minimumPasswordLength);
        return std::nullopt;
    }
    if (password.size() > PasswordHasher::maximumPasswordLength) {
        *error = QStringLiteral("the password is too long (at most %1 bytes)")
                     .arg(PasswordHasher::maximumPasswordLength);
        return std::nullopt;
    }
    return password;
}

struct Invocation
{
    QString command;
    QStringList positional;
    QString dataDir;
    QString databaseUrl;
    QString redisUrl;
    bool help = false;
};

std::optional<Invocation> parse(const QStringList &args, QString *error)
{
    Invocation inv;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (arg == QLatin1String("-h") || arg == QLatin1String("--help")) {
            inv.help = true;
        } else if (arg == QLatin1String("--data-dir")) {
            if (i + 1 >= args.size()) {
                *error = QStringLiteral("--data-dir needs a directory");
                return std::nullopt;
            }
            inv.dataDir = args.at(++i);
        } else if (arg.startsWith(QLatin1String("--data-dir="))) {
            inv.dataDir = arg.mid(11);
        } else if (arg == QLatin1String("--database") && i + 1 < args.size()) {
            inv.databaseUrl = args.at(++i);
        } else if (arg.startsWith(QLatin1String("--database="))) {
            inv.databaseUrl = arg.mid(11);
        } else if (arg == QLatin1String("--redis") && i + 1 < args.size()) {
            inv.redisUrl = args.at(++i);
        } else if (arg.startsWith(QLatin1String("--redis="))) {
            inv.redisUrl = arg.mid(8);
        } else if (arg.startsWith(QLatin1Char('-')) && arg.size() > 1) {
            *error = QStringLiteral("unknown option %1").arg(arg);
            return std::nullopt;
        } else if (inv.command.isEmpty()) {
            inv.command = arg;
        } else {
            inv.positional.append(arg);
        }
    }
    if (inv.dataDir.isEmpty())
        inv.dataDir = defaultDataDir();
    if (inv.databaseUrl.isEmpty())
        inv.databaseUrl
            = QProcessEnvironment::systemEnvironment().value(QStringLiteral("SLUICE_DATABASE"));
    if (inv.redisUrl.isEmpty())
        inv.redisUrl
            = QProcessEnvironment::systemEnvironment().value(QStringLiteral("SLUICE_REDIS"));
    // The server's own check: a URL it would refuse is refused here too.
    if (!inv.redisUrl.isEmpty() && !RedisLocation::fromUrl(inv.redisUrl, error))
        return std::nullopt;
    return inv;
}

std::unique_ptr<Store> openStore(const Invocation &inv, bool create, QString *error)
{
    if (!inv.databaseUrl.isEmpty()) {
        // The servers' shared database: the same password sources as the server's.
        const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        StoreLocation location { inv.dataDir, inv.databaseUrl, {} };
        if (!Secrets::load(env.value(QStringLiteral("SLUICE_DATABASE_PASSWORD_FILE")),
                           env.value(QStringLiteral("SLUICE_DATABASE_PASSWORD")).toUtf8(),
                           QStringLiteral("database password"), 0, false,
                           &location.databasePassword, error))
            return nullptr;
        QString openError;
        auto store = Server::openStore(location, &openError);
        if (!store)
            *error = QStringLiteral("cannot open %1: %2").arg(describeStore(location), openError);
        return store;
    }
    const QString &dataDir = inv.dataDir;
    const QString path = SqliteStore::databasePath(dataDir);
    if (create) {
        if (!ensureDataDir(dataDir, error))
            return nullptr;
    } else if (!QFileInfo::exists(path)) {
        *error = QStringLiteral("no database in %1 (no user has been added yet)").arg(dataDir);
        return nullptr;
    }
    QString openError;
    auto store = SqliteStore::open(path, &openError);
    if (!store)
        *error = QStringLiteral("cannot open %1: %2").arg(path, openError);
    return store;
}

// A running instance notices a password change or a removal in the store at its next periodic
// check; announced on the bus (as a logout on one of them is), every instance ends the user's
// streams at once. The change is committed by then: a bus out of reach is worth a warning, not a
// failure of the command.
void announceRevocation(const Invocation &inv)
{
    if (inv.redisUrl.isEmpty())
        return;
    const QString fallback
        = QStringLiteral("running instances end the user's open streams at their next periodic "
                         "check (within %1 s)")
              .arg(std::chrono::duration_cast<std::chrono::seconds>(
                       StreamHub::defaultRevocationCheckInterval)
                       .count());
#ifdef SLUICE_HAVE_REDIS
    const RedisLocation location = RedisLocation::fromUrl(inv.redisUrl, nullptr).value();
    QString error;
    const auto heard
        = RedisEventBus::announceRevocationOnce(location, std::chrono::seconds(2), &error);
    if (heard) {
        out(QStringLiteral(
                "announced on %1: %2 running instance(s) end the user's open streams now")
                .arg(location.display())
                .arg(*heard));
        return;
    }
    warn(QStringLiteral("cannot announce the change on %1 (%2); %3")
             .arg(location.display(), error, fallback));
#else
    warn(QStringLiteral("this sluice-server was built without the Redis bus (--redis); %1")
             .arg(fallback));
#endif
}

int addUser(const Invocation &inv)
{
    const QString name = inv.positional.value(0);
    if (!validUserName(name))
        return fail(
            QStringLiteral("invalid user name '%1' (1-64 characters from A-Z a-z 0-9 . _ @ -)")
                .arg(name));
    QString error;
    auto store = openStore(inv, true, &error);
    if (!store)
        return fail(error);
    if (store->userByName(name))
        return fail(QStringLiteral("user '%1' already exists").arg(name));
    const auto parameters = hashParameters(&error);
    if (!parameters)
        return fail(error);
    const auto password = readNewPassword(&error);
    if (!password)
        return fail(error);
    const QByteArray hash = PasswordHasher::hash(*password, *parameters);
    if (hash.isEmpty())
        return fail(QStringLiteral("cannot hash the password"));
    if (!store->createUser(name, hash))
        return fail(QStringLiteral("cannot add user '%1' (does it already exist?)").arg(name));
    out(QStringLiteral("user '%1' added").arg(name));
    return exitOk;
}

int listUsers(const Invocation &inv)
{
    QString error;
    auto store = openStore(inv, false, &error);
    if (!store)
        return fail(error);
    for (const UserRecord &user : store->users())
        out(user.name + QLatin1Char('\t') + user.createdAt.toString(Qt::ISODateWithMs));
    return exitOk;
}

int changePassword(const Invocation &inv)
{
    const QString name = inv.positional.value(0);
    QString error;
    auto store = openStore(inv, false, &error);
    if (!store)
        return fail(error);
    const auto user = store->userByName(name);
    if (!user)
        return fail(QStringLiteral("no user named '%1'").arg(name));
    const auto parameters = hashParameters(&error);
    if (!parameters)
        return fail(error);
    const auto password = readNewPassword(&error);
    if (!password)
        return fail(error);
    const QByteArray hash = PasswordHasher::hash(*password, *parameters);
    // A new password ends every existing login of that user: refresh tokens now, access and
    // stream tokens through the mark (a running server also ends the user's open streams). All
    // or nothing: a password changed without the sign-out would leave the old logins working.
    if (hash.isEmpty() || !store->changePassword(user->id, hash, QDateTime::currentDateTimeUtc())) {
        return fail(
            QStringLiteral("cannot change the password of '%1' (nothing was changed)").arg(name));
    }
    out(QStringLiteral("password of '%1' changed; they were signed out everywhere").arg(name));
    announceRevocation(inv);
    return exitOk;
}

int removeUser(const Invocation &inv)
{
    const QString name = inv.positional.value(0);
    QString error;
    auto store = openStore(inv, false, &error);
    if (!store)
        return fail(error);
    const auto user = store->userByName(name);
    if (!user)
        return fail(QStringLiteral("no user named '%1'").arg(name));
    if (!store->revokeRefreshTokensForUser(user->id) || !store->removeUser(user->id))
        return fail(QStringLiteral("cannot remove '%1'").arg(name));
    out(QStringLiteral("user '%1' removed").arg(name));
    announceRevocation(inv);
    return exitOk;
}

} // namespace

int runUserCommand(QStringList args)
{
    // Progress chatter of the store would only clutter a command-line tool; warnings stay.
    QLoggingCategory::setFilterRules(
        QStringLiteral("sluice.server.*.info=false\nsluice.server.*.debug=false"));
    QString error;
    const auto inv = parse(args, &error);
    if (!inv) {
        std::fputs(usageText, stderr);
        return fail(error, exitUsage);
    }
    if (inv->help) {
        std::fputs(usageText, stdout);
        return exitOk;
    }
    struct Command
    {
        const char *name;
        int positional;
        int (*run)(const Invocation &);
    };
    static const Command commands[] = {
        { "add", 1, addUser },
        { "list", 0, listUsers },
        { "passwd", 1, changePassword },
        { "remove", 1, removeUser },
    };
    for (const Command &command : commands) {
        if (inv->command != QLatin1String(command.name))
            continue;
        if (inv->positional.size() != command.positional) {
            std::fputs(usageText, stderr);
            return fail(command.positional == 1
                            ? QStringLiteral("%1 needs exactly one user name").arg(inv->command)
                            : QStringLiteral("%1 takes no argument").arg(inv->command),
                        exitUsage);
        }
        return command.run(*inv);
    }
    std::fputs(usageText, stderr);
    return fail(inv->command.isEmpty() ? QStringLiteral("missing command")
                                       : QStringLiteral("unknown command '%1'").arg(inv->command),
                exitUsage);
}

} // namespace Sluice::Server
