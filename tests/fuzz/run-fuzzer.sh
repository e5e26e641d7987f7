#!/usr/bin/env bash
# Bounded libFuzzer run (the fuzz_* CTest entries; also usable by hand):
#
#   tests/fuzz/run-fuzzer.sh <fuzzer> <seed corpus dir> <seconds> <artifact dir> [dictionary]
#
# Fuzzes a fresh copy of the seed corpus in a temporary directory (the seeds in the repository are
# never written), for <seconds> (SLUICE_FUZZ_SECONDS overrides it), with a 2 GiB RSS limit and a
# 30 s per-input timeout. Exits non-zero on any crash, sanitizer report, leak, broken property,
# timeout or out-of-memory; the input that caused it is kept as <artifact dir>/crash-* (or leak-,
# timeout-, oom-) and reproduces with `<fuzzer> <file>`.
set -euo pipefail

if [ "$#" -lt 4 ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
fuzzer=$1
seeds=$2
seconds=${SLUICE_FUZZ_SECONDS:-$3}
artifacts=$4
dictionary=${5:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-fuzz.XXXXXX")
# fuzz_http_request's server data: on tmpfs when there is one (SQLite syncs every write).
data=$(mktemp -d "$( [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "$work")/sluice-fuzz-data.XXXXXX")
trap 'rm -rf "$work" "$data"' EXIT
mkdir -p "$work/corpus" "$artifacts"
cp -R "$seeds"/. "$work/corpus/"

args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
      -artifact_prefix="$artifacts/")
[ -n "$dictionary" ] && args+=(-dict="$dictionary")

# A smaller ASan quarantine keeps the RSS of a long-lived in-process server low beside other tests.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=64"
export SLUICE_FUZZ_DATA_DIR="$data"
echo "run-fuzzer: $(basename "$fuzzer") for ${seconds}s over a copy of $seeds" >&2
status=0
"$fuzzer" "${args[@]}" "$work/corpus" || status=$?
if [ "$status" -ne 0 ]; then
    echo "run-fuzzer: $(basename "$fuzzer") failed (exit $status); reproducer(s):" >&2
    ls -1 "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* \
        2>/dev/null >&2 || true
fi
exit "$status"
