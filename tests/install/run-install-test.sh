#!/usr/bin/env bash
# Installs the SDK of an existing Sluice build into a temporary prefix, builds
# examples/minimal-client and examples/follow-prompt against that prefix as separate CMake
# projects, and runs them: minimal-client proves it links and loads libsluice from the prefix,
# follow-prompt signs in to the build's own sluice-server (--demo, on a free port) and follows a
# prompt to `done` in each mode (stream token, header, cookie). Cleans up its temporary
# directory and stops the server in all cases.
#
#   run-install-test.sh BUILD_DIR EXAMPLES_DIR CXX_COMPILER SANITIZE(ON|OFF) [GENERATOR]
set -euo pipefail

build_dir=$1
examples_dir=$2
example_dir=$examples_dir/minimal-client
cxx=$3
sanitize=$4
generator=${5:-Ninja}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-install-test.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
prefix="$tmp/prefix"

step() { printf '== %s\n' "$*"; }

step "install the library and sdk components of $build_dir into $prefix"
cmake --install "$build_dir" --prefix "$prefix" --component library
cmake --install "$build_dir" --prefix "$prefix" --component sdk
test -f "$prefix/include/Sluice/EventSource.h"
libdir=$(dirname "$(find "$prefix" -name 'libsluice.so*' -print -quit)")
test -n "$libdir" && test -d "$libdir"
find "$prefix" -name SluiceConfig.cmake | grep -q .

# The installed library was built with the sanitizers: its consumers must link them too.
flags=()
if [ "$sanitize" = "ON" ] || [ "$sanitize" = "1" ] || [ "$sanitize" = "TRUE" ]; then
    flags=("-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer"
           "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
fi
launcher=()
if command -v ccache >/dev/null 2>&1; then
    launcher=("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
fi

build_example() { # build_example SOURCE_DIR BUILD_DIR: a separate project on the prefix
    step "configure and build $(basename "$1") against the prefix"
    cmake -S "$1" -B "$2" -G "$generator" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER="$cxx" \
        -DCMAKE_PREFIX_PATH="$prefix" \
        "${launcher[@]}" "${flags[@]}"
    grep -q "Sluice_DIR:PATH=$prefix" "$2/CMakeCache.txt" \
        || { echo "Sluice was not found in the temporary prefix"; exit 1; }
    cmake --build "$2" -j 2
}

build_example "$example_dir" "$tmp/build"

client="$tmp/build/minimal-client"
step "it loads libsluice from the prefix"
ldd "$client" | grep libsluice
ldd "$client" | grep libsluice | grep -q "$prefix" \
    || { echo "libsluice does not resolve into $prefix"; exit 1; }

step "run: --help exits 0 and prints the usage"
out=$("$client" --help 2>&1)
echo "$out"
echo "$out" | grep -q "usage: minimal-client URL"

step "run: no argument is a usage error (2)"
set +e
"$client" >/dev/null 2>&1
code=$?
set -e
[ "$code" -eq 2 ] || { echo "expected exit 2, got $code"; exit 1; }

step "run: a non-http URL fails fast through the library (exit 1)"
set +e
out=$(timeout 60 "$client" "notascheme://nowhere/" 2>&1)
code=$?
set -e
echo "$out"
[ "$code" -eq 1 ] || { echo "expected exit 1, got $code"; exit 1; }

build_example "$examples_dir/follow-prompt" "$tmp/build-follow"
follow="$tmp/build-follow/follow-prompt"

step "start the build's sluice-server --demo on a free port"
server="$build_dir/server/sluice-server"
mkdir -p "$tmp/data"
"$server" --host 127.0.0.1 --port 0 --data-dir "$tmp/data" --demo --demo-speed 50 \
    --cookie-mode on >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q 'demo user: demo' "$tmp/server.log" && break
    sleep 0.1
done
url=$(sed -n 's/^sluice-server listening on \(http:[^ ]*\)$/\1/p' "$tmp/server.log" | head -n1)
password=$(sed -n 's/^demo user: demo  password: \([^ ]*\)$/\1/p' "$tmp/server.log" | head -n1)
[ -n "$url" ] && [ -n "$password" ] || { cat "$tmp/server.log"; echo "server did not start"; exit 1; }

for mode in token header cookie; do
    step "run: follow-prompt in $mode mode receives the demo prompt to done"
    # Under set -e a failing $(...) would end the script before anything says why: keep the code.
    set +e
    out=$(SLUICE_PASSWORD="$password" timeout 120 "$follow" "$url" demo "$mode" 2>&1)
    code=$?
    set -e
    if [ "$code" -ne 0 ]; then
        echo "$out"
        echo "follow-prompt exited with $code in $mode mode; the server's log:"
        tail -n 40 "$tmp/server.log"
        exit 1
    fi
    echo "$out" | tail -n 3
    echo "$out" | grep -q '^\[done\]$' || { echo "$out"; echo "no [done] in $mode mode"; exit 1; }
    echo "$out" | grep -q '^\[tool ' || { echo "$out"; echo "no tool use in $mode mode"; exit 1; }
done

step "ok"
