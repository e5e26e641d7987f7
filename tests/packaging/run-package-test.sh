#!/usr/bin/env bash
# Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
# The Debian packages as an operator and an app developer get them, on this machine (root):
# build them (`scripts/dev package`, incremental in build/package), lintian (no errors), dpkg -i,
# systemd-analyze verify the unit, run the installed sluice-server as its system user with the
# shipped /etc/sluice/sluice.env on a temporary state dir (keys generated 0600, /healthz, an
# account made with `sluice-server user add`, a prompt streamed to the installed sluice-stream,
# SIGTERM), build examples/minimal-client against libsluice-dev with CMake and with pkg-config,
# then purge and check that nothing the packages installed is left. Purges in every case.
#
#   run-package-test.sh SOURCE_DIR      (exit 77: skipped — not root, or already installed)
set -euo pipefail

root=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/lib/sluice-api.sh
. "$here/../../scripts/lib/sluice-api.sh"
packages=(sluice-server libsluice1 libsluice-dev sluice-tools sluice-viewer)

step() { printf '== %s (%ss)\n' "$*" "$SECONDS"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || { echo "skipped: dpkg -i needs root"; exit 77; }
for p in "${packages[@]}"; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
        echo "skipped: $p is already installed on this machine; this test would purge it"
        exit 77
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-package-test.XXXXXX")
chmod 755 "$tmp"
installed=0
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
    if [ "$installed" = 1 ]; then dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

step "build the packages"
mapfile -t debs < <("$root/scripts/dev" package)
[ "${#debs[@]}" -eq "${#packages[@]}" ] || fail "expected ${#packages[@]} packages, got: ${debs[*]}"
for deb in "${debs[@]}"; do
    printf '   %-40s %7d bytes  Depends: %s\n' "$(basename "$deb")" "$(stat -c %s "$deb")" \
        "$(dpkg-deb -f "$deb" Depends)"
done

step "lintian"
# --fail-on error: warnings are printed, errors fail the test.
lintian --fail-on error --tag-display-limit 0 "${debs[@]}"

step "dpkg -i"
installed=1
dpkg -i "${debs[@]}"
for p in "${packages[@]}"; do dpkg -L "$p"; done | sort -u >"$tmp/files"
getent passwd _sluice >/dev/null || fail "no system user _sluice after install"
for page in sluice-server sluice-stream sluice-viewer; do
    [ -f "/usr/share/man/man1/$page.1.gz" ] || fail "no man page for $page"
done

step "systemd-analyze verify sluice-server.service"
systemd-analyze verify /lib/systemd/system/sluice-server.service

step "installed sluice-server, shipped sluice.env, temporary state dir"
state="$tmp/state"
install -d -o _sluice -g _sluice -m 700 "$state"
# What systemd does with EnvironmentFile=: the file's variables, then the test's overrides (a
# state dir of its own, a free port). Run as the service's user, as the unit does; setpriv execs
# (runuser would stay the parent and turn the server's exit status into its own).
start_server "$tmp/server.log" setpriv --reuid=_sluice --regid=_sluice --init-groups \
    env -i PATH=/usr/bin:/bin bash -c \
    'set -a; . /etc/sluice/sluice.env; set +a; SLUICE_DATA_DIR=$0 SLUICE_PORT=0 exec sluice-server' \
    "$state" || fail "the installed server did not start"
base=$SERVER_URL
for key in access stream; do
    [ "$(stat -c '%a %U' "$state/$key.key")" = "600 _sluice" ] \
        || fail "$key.key is not 0600 and owned by _sluice: $(stat -c '%a %U' "$state/$key.key")"
done
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] || fail "/healthz is not 200"

step "sluice-server user add, as the administrator against the service's data dir"
password="package-test-$RANDOM-$RANDOM"
printf '%s\n' "$password" | runuser -u _sluice -- env SLUICE_DATA_DIR="$state" \
    sluice-server user add alice
runuser -u _sluice -- env SLUICE_DATA_DIR="$state" sluice-server user list | grep -q alice

step "a prompt streamed to the installed sluice-stream"
new_prompt "$base" alice "$password"
printf '%s\n' "$password" | timeout 60 sluice-stream --server "$base" --user alice \
    --password-stdin --session "$SID" --prompt "$PID" --json >"$tmp/stream.out" \
    2>"$tmp/stream.err" &
stream_pid=$!
wait_for_file_text "$tmp/stream.out" '"connected"' 30 || { cat "$tmp/stream.err"; fail "no connected event"; }
publish "$base" message '{"text":"hello from the package test"}'
publish "$base" tool_use '{"id":"t1","name":"grep","input":{}}'
publish "$base" done '{}'
wait "$stream_pid" || { cat "$tmp/stream.err"; fail "sluice-stream failed"; }
cat "$tmp/stream.out"
grep -q 'hello from the package test' "$tmp/stream.out" || fail "the message did not arrive"
grep -q '"type":"done"' "$tmp/stream.out" || fail "no done event"

step "SIGTERM stops it cleanly"
stop_server || fail "sluice-server exited with $? on SIGTERM"
grep -q 'shutting down' "$tmp/server.log" || fail "no shutdown line in the log"

step "examples/minimal-client against libsluice-dev: CMake"
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root/examples/minimal-client" -B "$tmp/cmake-build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
grep -q 'Sluice_DIR:PATH=/usr/lib/.*/cmake/Sluice' "$tmp/cmake-build/CMakeCache.txt" \
    || fail "find_package(Sluice) did not find the installed package"
cmake --build "$tmp/cmake-build" >/dev/null
"$tmp/cmake-build/minimal-client" --help 2>&1 | grep -q 'usage: minimal-client URL'
# /lib is /usr/lib on merged-/usr systems: either is the installed one.
ldd "$tmp/cmake-build/minimal-client" | grep -Eq '=> (/usr)?/lib/[^ ]*/libsluice\.so\.1 ' \
    || fail "minimal-client does not load the installed libsluice.so.1"

step "examples/minimal-client against libsluice-dev: pkg-config"
read -ra pc_flags < <(pkg-config --cflags --libs sluice)
# -fPIC: Qt 6 is built with -reduce-relocations and asks its users for position-independent code.
c++ -std=c++17 -fPIC -o "$tmp/minimal-client-pc" "$root/examples/minimal-client/main.cpp" \
    "${pc_flags[@]}"
"$tmp/minimal-client-pc" --help 2>&1 | grep -q 'usage: minimal-client URL'

step "purge leaves nothing behind"
dpkg --purge "${packages[@]}"
installed=0
left=()
while IFS= read -r path; do
    [ -e "$path" ] && [ ! -d "$path" ] && left+=("$path")
done <"$tmp/files"
for path in /etc/sluice /var/lib/sluice /etc/systemd/system/multi-user.target.wants/sluice-server.service \
            /var/lib/systemd/deb-systemd-helper-enabled/sluice-server.service.dsh-also; do
    [ -e "$path" ] && left+=("$path")
done
[ "${#left[@]}" -eq 0 ] || fail "left after purge: ${left[*]}"

step "ok"
