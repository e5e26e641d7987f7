#!/bin/sh
# with-test-keyring.sh COMMAND...: runs COMMAND against a real Secret Service: GNOME Keyring with
# an unlocked login keyring in a private home directory. Run it inside a private D-Bus session:
#   dbus-run-session -- tests/e2e/with-test-keyring.sh ./tst_keychain
# The keyring daemon and its files are removed afterwards, whatever COMMAND's outcome.
set -u
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
export HOME="$work" XDG_DATA_HOME="$work/data" XDG_RUNTIME_DIR="$work/run" \
       XDG_CONFIG_HOME="$work/config"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
printf '%s' 'test-keyring' \
    | gnome-keyring-daemon --foreground --unlock --components=secrets >"$work/gkd.out" 2>&1 &
pid=$!
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
        | grep -q 'boolean true'; do
    i=$((i + 1))
    if [ "$i" -gt 200 ]; then
        echo "with-test-keyring: the Secret Service did not appear on the session bus" >&2
        cat "$work/gkd.out" >&2
        exit 1
    fi
    sleep 0.1
done
"$@"
