# Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Private PostgreSQL, Redis and nginx servers for scripts and tests (sourced): each in a directory
# of its own, on 127.0.0.1 and a random free port, never the system's services or ports. The
# PostgreSQL and Redis steps are those of the C++ tests (tests/server/support/postgresserver.cpp,
# redisserver.cpp). Every server is started under `setpriv --pdeathsig`, so that it goes with the
# script even when the script itself is killed and its EXIT trap cannot run; callers still stop
# them in their trap with stop_pid.

LOCAL_PG_BIN=${LOCAL_PG_BIN:-/usr/lib/postgresql/15/bin}

random_hex() { # random_hex BYTES
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# A port nothing listens on now. The server binds it a moment later: callers retry another one
# when they lose that race ("Address already in use").
random_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        # A refused connection is a free port.
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
    done
}

# wait_for_text PID FILE TEXT SECONDS: until FILE contains TEXT; 1 when PID exits or time is up.
wait_for_text() {
    local _
    for _ in $(seq 1 $(($4 * 10))); do
        grep -qF -- "$3" "$2" 2>/dev/null && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# stop_pid PID [SIGNAL]: SIGNAL (default TERM), up to 10 s to exit, then SIGKILL; reaps it.
stop_pid() {
    local pid=$1 _
    [ -n "$pid" ] || return 0
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# start_postgres DIR: initdb into DIR, then postgres on loopback (its socket in DIR, nowhere in
# /var/run), password authentication over TCP as the application has it in production. PostgreSQL
# refuses to run as root: run by root, it runs as nobody. Sets PG_PID, PG_URL
# (postgresql://sluice@127.0.0.1:PORT/postgres) and PG_PASSWORD_FILE.
start_postgres() {
    local dir=$1 as=(setpriv --pdeathsig SIGQUIT) port _
    [ -x "$LOCAL_PG_BIN/initdb" ] \
        || { echo "$LOCAL_PG_BIN/initdb is missing: scripts/dev setup installs postgresql" >&2; return 1; }
    mkdir -p "$dir"
    chmod 700 "$dir"
    PG_PASSWORD_FILE=$dir/password
    (umask 077 && random_hex 16 >"$PG_PASSWORD_FILE")
    if [ "$(id -u)" -eq 0 ]; then
        # Changing the user clears the parent-death signal: setpriv sets it again after.
        as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --pdeathsig SIGQUIT)
        chown -R nobody:nogroup "$dir"
    fi
    "${as[@]}" -- "$LOCAL_PG_BIN/initdb" -D "$dir/data" -U sluice --pwfile="$PG_PASSWORD_FILE" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    for _ in 1 2 3 4 5; do
        port=$(random_port)
        "${as[@]}" -- "$LOCAL_PG_BIN/postgres" -D "$dir/data" -h 127.0.0.1 -p "$port" -k "$dir" \
            -c max_connections=100 >"$dir/postgres.log" 2>&1 &
        PG_PID=$!
        if wait_for_text "$PG_PID" "$dir/postgres.log" "ready to accept connections" 60; then
            PG_URL=postgresql://sluice@127.0.0.1:$port/postgres
            return 0
        fi
        stop_pid "$PG_PID" INT
        PG_PID=
        grep -q "Address already in use" "$dir/postgres.log" || break
    done
    cat "$dir/postgres.log" >&2
    return 1
}

# start_redis DIR: redis-server on loopback, no persistence, its files in DIR. Sets REDIS_PID and
# REDIS_URL (redis://127.0.0.1:PORT).
start_redis() {
    local dir=$1 port _
    command -v redis-server >/dev/null \
        || { echo "redis-server is missing: scripts/dev setup installs it" >&2; return 1; }
    mkdir -p "$dir"
    for _ in 1 2 3 4 5; do
        port=$(random_port)
        setpriv --pdeathsig SIGTERM -- redis-server --bind 127.0.0.1 --port "$port" --save '' \
            --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
        REDIS_PID=$!
        if wait_for_text "$REDIS_PID" "$dir/redis.log" "Ready to accept connections" 30; then
            REDIS_URL=redis://127.0.0.1:$port
            return 0
        fi
        stop_pid "$REDIS_PID"
        REDIS_PID=
        grep -q "Address already in use" "$dir/redis.log" || break
    done
    cat "$dir/redis.log" >&2
    return 1
}

# start_nginx DIR MAKE_SITE: Debian's nginx in the foreground with DIR as its prefix (its own pid
# file, logs and temporary paths: the system's configuration and service are never touched) and
# the server block(s) that `MAKE_SITE PORT` writes to DIR/site.conf, on a random free port.
# Relative includes in the site resolve in DIR. Sets NGINX_PID and NGINX_PORT.
start_nginx() {
    local dir=$1 make_site=$2 nginx_bin _
    nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$nginx_bin" ] || { echo "nginx is missing: scripts/dev setup installs it" >&2; return 1; }
    mkdir -p "$dir"
    # nginx's workers run as nobody when started by root: they must reach the temporary paths.
    chmod 755 "$dir"
    cat >"$dir/nginx.conf" <<CONF
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 4096; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/site.conf;
}
CONF
    for _ in 1 2 3 4 5; do
        NGINX_PORT=$(random_port)
        "$make_site" "$NGINX_PORT" || return 1
        "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -t -q 2>>"$dir/error.log" \
            || { cat "$dir/error.log" >&2; return 1; }
        rm -f "$dir/nginx.pid"
        setpriv --pdeathsig SIGTERM -- "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" \
            2>>"$dir/error.log" &
        NGINX_PID=$!
        # nginx writes its pid file once its listening sockets are bound.
        for _ in $(seq 1 100); do
            [ -s "$dir/nginx.pid" ] && return 0
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        stop_pid "$NGINX_PID"
        NGINX_PID=
        grep -q "Address already in use" "$dir/error.log" || break
    done
    cat "$dir/error.log" >&2
    return 1
}
