#!/bin/sh
# A throw-away PostgreSQL cluster for the store's tests, on 127.0.0.1 only, every file under $PG_ROOT (the data
# folder initdb makes, the socket, the log): nothing under /etc, no system service touched. PostgreSQL refuses to
# run as root: as root, the cluster belongs to `nobody`.
#   PG_ROOT=/tmp/x PG_PORT=… server.sh start|stop
# One superuser, cxaudit / cxaudit-test-secret (scram-sha-256): the tests see a password go through, and never shown.
# The tests reach it as CXAUDIT_TEST_POSTGRES=postgres://cxaudit:cxaudit-test-secret@127.0.0.1:$PG_PORT/postgres and
# make a database of their own in it.
set -eu
: "${PG_ROOT:?}" "${PG_PORT:?}"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
  echo "server.sh: Debian's postgresql is not installed" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

start() {
  rm -rf "$PG_ROOT"
  mkdir -p "$PG_ROOT"
  printf '%s\n' cxaudit-test-secret > "$PG_ROOT/password"
  if [ "$(id -u)" = 0 ]; then chown -R nobody:nogroup "$PG_ROOT"; fi
  # C locale for the cluster; the tests make their databases with another collation (ICU) to see the store
  # compare as SQLite does whatever the server's default.
  as_owner "$bindir/initdb" -D "$PG_ROOT/data" -U cxaudit --pwfile="$PG_ROOT/password" \
    --auth=scram-sha-256 -E UTF8 --no-locale > "$PG_ROOT/initdb.log" 2>&1 \
    || { cat "$PG_ROOT/initdb.log" >&2; exit 1; }
  # fsync off: a test cluster lost in a crash is made again.
  as_owner "$bindir/pg_ctl" -D "$PG_ROOT/data" -l "$PG_ROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_ROOT -c fsync=off -c max_connections=200" start \
    > /dev/null || { cat "$PG_ROOT/server.log" >&2; exit 1; }
}

stop() {
  if [ -f "$PG_ROOT/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$PG_ROOT/data" -m fast -w stop > /dev/null || true
  fi
  rm -rf "$PG_ROOT"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: PG_ROOT=… PG_PORT=… $0 start|stop" >&2; exit 2 ;;
esac
