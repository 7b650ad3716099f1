#!/usr/bin/env bash
# A throwaway PostgreSQL for the @hush/audit-sqlite live tests (HUSH_TEST_POSTGRES_URL).
#
#   scripts/ci-postgres.sh [start]   install Debian's postgresql if missing, start a cluster on a free
#                                    127.0.0.1 port, create database hush_test, print its URL on stdout
#   scripts/ci-postgres.sh stop      stop the cluster started last and delete its data
#
# Progress goes to stderr, so `url=$(scripts/ci-postgres.sh)` captures only the URL. Exits non-zero
# (and prints nothing on stdout) when PostgreSQL cannot be installed or started; callers then skip,
# and nothing of the failed attempt (server, data folder) is left behind.
#
# HUSH_CI_POSTGRES_STATE names the file that remembers the cluster (default
# $TMPDIR/hush-ci-postgres.state): give each of several concurrent runs its own, since `start`
# first stops the cluster its state file names.
set -euo pipefail

STATE="${HUSH_CI_POSTGRES_STATE:-${TMPDIR:-/tmp}/hush-ci-postgres.state}"
log() { echo "ci-postgres: $*" >&2; }

as_owner() {
  # initdb and postgres refuse to run as root: run them as the postgres system user then.
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

stop() {
  [ -f "$STATE" ] || { log "nothing to stop"; return 0; }
  local dir bin
  dir=$(sed -n 1p "$STATE"); bin=$(sed -n 2p "$STATE")
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir" "$STATE"
  log "stopped and removed $dir"
}

start() {
  local bin
  bin=$(find_bin)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" != "0" ]; then log "postgresql is not installed and installing needs root"; exit 1; fi
    log "installing postgresql from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends postgresql >&2 ||
      { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends postgresql >&2; }
    bin=$(find_bin)
    [ -n "$bin" ] || { log "postgresql installed but initdb not found"; exit 1; }
  fi
  [ -f "$STATE" ] && stop

  local dir port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/hush-ci-postgres.XXXXXX")
  chmod 755 "$dir"
  if [ "$(id -u)" = "0" ]; then chown postgres "$dir"; fi
  port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  printf '%s\n%s\n' "$dir" "$bin" >"$STATE"
  # From here on, any failure stops what was started and deletes the data folder.
  trap 'log "start failed; cleaning up"; stop' EXIT

  # Trust auth on loopback only: a disposable test cluster that nothing outside this machine can reach.
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { log "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2 ||
    { log "server failed to start:"; cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres hush_test
  trap - EXIT
  log "running on port $port (data in $dir)"
  echo "postgres://postgres@127.0.0.1:$port/hush_test"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
