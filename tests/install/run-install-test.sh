#!/usr/bin/env bash
# Installs the SDK of an existing Sluice build into a temporary prefix, builds
# examples/minimal-client against that prefix as a separate CMake project, and runs it to prove
# it links and loads libsluice from the prefix. Cleans up its temporary directory in all cases.
#
#   run-install-test.sh BUILD_DIR EXAMPLE_SOURCE_DIR CXX_COMPILER SANITIZE(ON|OFF) [GENERATOR]
set -euo pipefail

build_dir=$1
example_dir=$2
cxx=$3
sanitize=$4
generator=${5:-Ninja}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

step() { printf '== %s\n' "$*"; }

step "install the sdk component of $build_dir into $prefix"
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

step "configure examples/minimal-client against the prefix"
cmake -S "$example_dir" -B "$tmp/build" -G "$generator" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$prefix" \
    "${launcher[@]}" "${flags[@]}"
grep -q "Sluice_DIR:PATH=$prefix" "$tmp/build/CMakeCache.txt" \
    || { echo "Sluice was not found in the temporary prefix"; exit 1; }

step "build"
cmake --build "$tmp/build" -j 2

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

step "ok"
