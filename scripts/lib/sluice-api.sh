# Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
# Shell helpers of the packaging tests and scripts/run-cluster (sourced): start a sluice-server and
# wait for its URL, and the few API calls they need, with curl. JSON fields are read with sed: the
# answers are flat objects and the values read (ids, tokens) never contain quotes.

# start_server LOG COMMAND...: starts COMMAND in the background (stdout and stderr to LOG) and
# waits for its "listening on" line; sets SERVER_PID and SERVER_URL. Returns 1 if it exits first.
start_server() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    SERVER_URL=
    local _
    for _ in $(seq 1 300); do
        SERVER_URL=$(sed -n 's/^sluice-server listening on \(http:[^ ]*\)$/\1/p' "$log" | head -n1)
        [ -n "$SERVER_URL" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    return 1
}

# stop_server: SIGTERM, then the server's exit status (0 = drained and stopped cleanly).
stop_server() {
    [ -n "${SERVER_PID:-}" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local status=0
    wait "$SERVER_PID" || status=$?
    SERVER_PID=
    return "$status"
}

json_field() { # json_field NAME < JSON
    sed -n 's/.*"'"$1"'": *"\{0,1\}\([^",}]*\)"\{0,1\}.*/\1/p' | head -n1
}

# api BASE METHOD PATH [JSON] (uses $TOKEN when set, $CURL_OPTS for TLS): prints the body, fails
# on any status >= 400.
api() {
    local base=$1 method=$2 path=$3 body=${4:-}
    local args=(-sS --fail-with-body -X "$method" ${CURL_OPTS:-})
    [ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' -d "$body")
    curl "${args[@]}" "$base$path"
}

# new_prompt BASE USER PASSWORD: signs in (sets TOKEN), creates a session and a prompt; sets SID
# and PID.
new_prompt() {
    TOKEN=
    TOKEN=$(api "$1" POST /api/auth/login "{\"username\":\"$2\",\"password\":\"$3\"}" \
        | json_field accessToken)
    [ -n "$TOKEN" ] || { echo "login as $2 failed" >&2; return 1; }
    SID=$(api "$1" POST /api/claude-code/sessions '{"title":"packaging test"}' | json_field id)
    PID=$(api "$1" POST "/api/claude-code/sessions/$SID/prompts" '{"text":"hello"}' | json_field id)
    [ -n "$SID" ] && [ -n "$PID" ] || { echo "cannot create a prompt" >&2; return 1; }
}

# publish BASE TYPE DATA_JSON: appends an event to $SID/$PID as its owner.
publish() {
    api "$1" POST "/api/claude-code/sessions/$SID/prompts/$PID/events" \
        "{\"type\":\"$2\",\"data\":$3}" >/dev/null
}

# wait_for_file_text FILE TEXT [SECONDS]: polls until FILE contains TEXT.
wait_for_file_text() {
    local _
    for _ in $(seq 1 $((${3:-10} * 10))); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
