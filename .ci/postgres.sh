# Sourced by .ci/run: a throwaway PostgreSQL cluster on 127.0.0.1 for the test
# suite, installed from Debian's packages if the machine has none. Exports
# TEST_DATABASE_URL; the cluster is stopped and deleted when the shell exits.

pg_bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    return 1
}

as_cluster_owner() {
    # initdb refuses to run as root; Debian's package creates the postgres user.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_BIN="$(pg_bin_dir || true)"
if [ -z "$PG_BIN" ]; then
    echo "ci: installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    PG_BIN="$(pg_bin_dir)"
fi

PG_DIR="$(mktemp -d /tmp/roob-ci-pg.XXXXXX)"
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
PG_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

stop_postgres() {
    as_cluster_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
trap stop_postgres EXIT

as_cluster_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U roob --auth=trust -E UTF8 >/dev/null
as_cluster_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null
as_cluster_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U roob roob_test

export TEST_DATABASE_URL="postgresql+psycopg://roob@127.0.0.1:$PG_PORT/roob_test"
echo "ci: PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
