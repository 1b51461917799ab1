#!/bin/sh
# A throwaway PostgreSQL 15 for the test suite: postgres.sh start|stop|down|up DIR
#
# Run by ctest as the setup and cleanup of the fixture postgres, which the store tests require.
# start: initdb (trust auth, no fsync) in a fresh directory under /tmp (the server runs as the
# postgres user when we are root, and must reach its files: a build directory under /root would
# not do), listen on 127.0.0.1 at a free port and on a unix socket there, and write the connection
# URI to DIR/uri. stop: immediate shutdown, everything removed. down / up: the server stops (data
# kept) and starts again on the same port, for outage tests. Never skips: a server that cannot
# start fails the fixture, and with it the tests.
set -eu
action=$1
dir=$2
bin=/usr/lib/postgresql/15/bin

as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else /bin/sh -c "$*"; fi
}

serve() {  # serve SERVER_DIR PORT
  as_owner "$bin/pg_ctl -D $1/data -l $1/pg.log -w -o '-p $2 -k $1 -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200' start" >/dev/null ||
    { cat "$1/pg.log" >&2; exit 1; }
}

case "$action" in
start)
  [ -f "$dir/server" ] && sh "$0" stop "$dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  server=$(mktemp -d /tmp/tuneup-postgres-XXXXXX)
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$server"; fi
  echo "$server" >"$dir/server"
  # A port nothing listens on now.
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "$port" >"$dir/port"
  as_owner "$bin/initdb -D $server/data -U postgres -A trust -E UTF8 --no-sync --no-instructions" >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  serve "$server" "$port"
  echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/uri"
  echo "postgres.sh: PostgreSQL 15 at $(cat "$dir/uri") in $server"
  ;;
stop)
  if [ -f "$dir/server" ]; then
    server=$(cat "$dir/server")
    if [ -f "$server/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl -D $server/data -m immediate -w stop" >/dev/null || true
    fi
    rm -rf "$server"
  fi
  rm -rf "$dir"
  ;;
down)
  as_owner "$bin/pg_ctl -D $(cat "$dir/server")/data -m fast -w stop" >/dev/null
  ;;
up)
  serve "$(cat "$dir/server")" "$(cat "$dir/port")"
  ;;
*)
  echo "usage: postgres.sh start|stop|down|up DIR" >&2
  exit 2
  ;;
esac
