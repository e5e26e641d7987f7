#!/usr/bin/env bash
# Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
# The browser tests (CTest entry tst_browser): installs the pinned playwright-core from
# package-lock.json into BUILD_DIR/tests/browser/npm (npm ci, again only when the lock file
# changed; the npm cache makes it work offline after the first time), then runs browser-test.mjs
# with Debian's /usr/bin/chromium. Fails loudly when Node.js, npm or Chromium is missing;
# SLUICE_SKIP_BROWSER=1 skips it (for people without Chromium; CI never sets it).
#
#   run-browser-tests.sh BUILD_DIR
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="$(cd "${1:?usage: run-browser-tests.sh BUILD_DIR}" && pwd)"

if [ "${SLUICE_SKIP_BROWSER:-}" = 1 ]; then
    echo "SKIP: SLUICE_SKIP_BROWSER=1 (the browser tests did not run)"
    exit 77
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v node >/dev/null 2>&1 || fail "node is missing (scripts/dev setup installs nodejs)"
command -v npm >/dev/null 2>&1 || fail "npm is missing (scripts/dev setup installs npm)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing (scripts/dev setup installs chromium)"
[ -x "$build_dir/server/sluice-server" ] || fail "no $build_dir/server/sluice-server"

npm_dir="$build_dir/tests/browser/npm"
mkdir -p "$npm_dir"
if ! cmp -s "$here/package-lock.json" "$npm_dir/package-lock.json" \
        || [ ! -d "$npm_dir/node_modules/playwright-core" ]; then
    echo "== npm ci (playwright-core from tests/browser/package-lock.json) into $npm_dir"
    cp "$here/package.json" "$here/package-lock.json" "$npm_dir/"
    # No browser download: playwright-core has no install script, and scripts stay off anyway.
    (cd "$npm_dir" && CI=true npm ci --ignore-scripts --no-audit --no-fund --prefer-offline \
        </dev/null) || fail "npm ci failed"
fi

exec node "$here/browser-test.mjs" --build-dir "$build_dir" --node-modules "$npm_dir/node_modules"
