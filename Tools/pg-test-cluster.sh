#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for csledger's tests, on a loopback port, owned by an unprivileged user.
#
#   Tools/pg-test-cluster.sh start   # installs Debian's postgresql if missing (as root), creates and starts the
#                                    # cluster, prints the address to export as CSLEDGER_TEST_POSTGRES
#   Tools/pg-test-cluster.sh stop    # stops it and removes its folder
#   Tools/pg-test-cluster.sh halt    # stops the server but keeps its data (start brings it back as it was)
#
# CSLEDGER_PG_DIR (default /tmp/csledger-pg-$PORT) and CSLEDGER_PG_PORT (default 55432) choose where.
# PostgreSQL refuses to run as root: as root the cluster belongs to `nobody`; trust authentication, loopback only.
set -euo pipefail
PORT=${CSLEDGER_PG_PORT:-55432}
DIR=${CSLEDGER_PG_DIR:-/tmp/csledger-pg-$PORT}
USER_NAME=csledger
DB=csledger_test

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# Closes every inherited descriptor but 0-2 (and bash's own 255): the server must not keep a caller's pipe or
# socket open (a test harness waiting for this script to end would wait for the server).
close_inherited() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    case "$fd" in 0|1|2|255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
  done
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
  if [ -z "$(bindir)" ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "installing postgresql (Debian)" >&2
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    else
      echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1
    fi
  fi
  BIN=$(bindir)
  if [ -f "$DIR/data/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    echo "postgresql://$USER_NAME@127.0.0.1:$PORT/$DB"; exit 0
  fi
  fresh=0
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    fresh=1
    rm -rf "$DIR"; mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then chown nobody "$DIR"; fi
    as_owner "$BIN/initdb" -D "$DIR/data" -U "$USER_NAME" -A trust --no-sync -E UTF8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
  fi
  close_inherited
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start </dev/null >"$DIR/pg_ctl.log" 2>&1 \
    || { cat "$DIR/pg_ctl.log" "$DIR/server.log" >&2; exit 1; }
  if [ "$fresh" = 1 ]; then as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" "$DB"; fi
  echo "postgresql://$USER_NAME@127.0.0.1:$PORT/$DB"
  ;;
halt)
  as_owner "$(bindir)/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
  ;;
stop)
  BIN=$(bindir)
  if [ -n "$BIN" ] && [ -d "$DIR/data" ]; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$DIR"
  ;;
*)
  echo "usage: $0 start|stop|halt" >&2; exit 2
  ;;
esac
