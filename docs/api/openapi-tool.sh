#!/usr/bin/env bash
# Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
# Runs validate.mjs or render.mjs with the pinned packages of package-lock.json, installed with
# `npm ci` into WORK_DIR (a build directory, never the source tree) and reused while the lock
# file is unchanged.
#   openapi-tool.sh WORK_DIR validate OPENAPI.yaml
#   openapi-tool.sh WORK_DIR render OPENAPI.yaml OUT.html
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$1
tool=$2
shift 2
mkdir -p "$work"
# npm ci writes node_modules/.package-lock.json last: without it the install is incomplete.
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" \
    || [ ! -f "$work/node_modules/.package-lock.json" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$work/"
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
cp "$here/$tool.mjs" "$work/"
exec node "$work/$tool.mjs" "$@"
