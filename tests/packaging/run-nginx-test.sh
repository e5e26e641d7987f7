#!/usr/bin/env bash
# Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
# The shipped nginx configuration (packaging/nginx/sluice.conf and the sluice-proxy.conf snippet it
# includes) in front of a real sluice-server, all on loopback: TLS with a throw-away certificate
# made here, the site file as shipped with only its addresses, port and certificate paths
# replaced. A stream opened through nginx must deliver each event while the stream is still open
# (no buffering), then end at `done`.
#
#   run-nginx-test.sh SLUICE_SERVER NGINX_SITE_CONF      (exit 77: nginx or openssl missing)
set -euo pipefail

server_bin=$1
site=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/lib/sluice-api.sh
. "$here/../../scripts/lib/sluice-api.sh"
# shellcheck source=../../scripts/lib/local-servers.sh
. "$here/../../scripts/lib/local-servers.sh"

step() { printf '== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] \
    || { echo "skipped: nginx is not installed"; exit 77; }
command -v openssl >/dev/null || { echo "skipped: openssl is not installed"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-nginx-test.XXXXXX")
# nginx's workers run as nobody when started by root: they must reach the temp paths.
chmod 755 "$tmp"
SERVER_PID=
nginx_pid=
stream_pid=
cleanup() {
    for pid in "$stream_pid" "$nginx_pid" "$SERVER_PID"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

step "throw-away certificate for 127.0.0.1"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null

step "sluice-server on a free loopback port"
export SLUICE_SCRYPT_LOG_N=10
printf 'nginx-test-password\n' | "$server_bin" user add alice --data-dir "$tmp/data" >/dev/null
start_server "$tmp/server.log" "$server_bin" --host 127.0.0.1 --port 0 --data-dir "$tmp/data" \
    --behind-https --heartbeat-interval 1s || fail "sluice-server did not start"
upstream_port=${SERVER_URL##*:}

# The shipped site with this test's addresses, and the snippet it includes. Every replacement
# must have happened, or the test would run against something that is not the shipped file.
make_site() { # make_site LISTEN_PORT
    mkdir -p "$tmp/nginx/snippets"
    cp "$(dirname "$site")/sluice-proxy.conf" "$tmp/nginx/snippets/"
    sed -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$upstream_port;|" \
        -e "s|listen 443 ssl http2;|listen 127.0.0.1:$1 ssl http2;|" \
        -e '/listen \[::\]:443 ssl http2;/d' \
        -e "s|ssl_certificate /etc/ssl/certs/sluice.example.com.pem;|ssl_certificate $tmp/cert.pem;|" \
        -e "s|ssl_certificate_key /etc/ssl/private/sluice.example.com.key;|ssl_certificate_key $tmp/key.pem;|" \
        "$site" >"$tmp/nginx/site.conf"
    local expected
    for expected in "127.0.0.1:$upstream_port;" "listen 127.0.0.1:$1 " "$tmp/cert.pem" "$tmp/key.pem" \
        "include snippets/sluice-proxy.conf;"; do
        grep -qF "$expected" "$tmp/nginx/site.conf" || fail "the shipped config changed: no '$expected'"
    done
    ! grep -qE '[: ](8080|443)[ ;]|example\.com\.(pem|key)' "$tmp/nginx/site.conf" \
        || fail "the shipped config changed: unreplaced address or certificate"
}

step "nginx with the shipped site on a free loopback port"
start_nginx "$tmp/nginx" make_site || fail "nginx did not start"
nginx_pid=$NGINX_PID
port=$NGINX_PORT
base="https://127.0.0.1:$port"
CURL_OPTS="--cacert $tmp/cert.pem"
[ "$(curl -s $CURL_OPTS -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ] \
    || fail "/healthz through nginx is not 200"

step "a stream through nginx: every event arrives while the stream is open"
new_prompt "$base" alice nginx-test-password
curl -sS -N $CURL_OPTS -D "$tmp/stream.headers" -H "Authorization: Bearer $TOKEN" \
    "$base/api/claude-code/sessions/$SID/prompts/$PID/stream" >"$tmp/stream.out" &
stream_pid=$!
wait_for_file_text "$tmp/stream.out" 'event: connected' 10 || fail "no connected event through nginx"
grep -qi '^content-type: text/event-stream' "$tmp/stream.headers" || fail "not an event stream"
for i in 1 2 3; do
    publish "$base" message "{\"text\":\"event $i\"}"
    # Buffered, it would wait for more output or the end of the response; it must come now.
    wait_for_file_text "$tmp/stream.out" "event $i" 5 || { cat "$tmp/stream.out"; fail "event $i was held back"; }
done
# Heartbeat comments (1 s here) pass too: proxies must not swallow them.
for _ in $(seq 1 50); do grep -q '^:' "$tmp/stream.out" && break; sleep 0.1; done
grep -q '^:' "$tmp/stream.out" || fail "no heartbeat comment through nginx"
kill -0 "$stream_pid" 2>/dev/null || fail "the stream ended before done"
publish "$base" done '{}'
for _ in $(seq 1 100); do kill -0 "$stream_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$stream_pid" 2>/dev/null && fail "the stream did not end after done"
wait "$stream_pid" || fail "curl failed on the stream"
stream_pid=
grep -q 'event: done' "$tmp/stream.out" || fail "no done event"
cat "$tmp/stream.out"
step "ok"
