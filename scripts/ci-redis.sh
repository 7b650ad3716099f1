#!/usr/bin/env bash
# A throwaway Redis for the @hush/cache-redis and @hush/agent live tests (HUSH_TEST_REDIS_URL).
#
#   scripts/ci-redis.sh [start]   install Debian's redis-server if missing, start one on a free
#                                 127.0.0.1 port (no persistence), print its URL on stdout
#   scripts/ci-redis.sh stop      stop the server started last and delete its folder
#
# Progress goes to stderr, so `url=$(scripts/ci-redis.sh)` captures only the URL. Exits non-zero
# (and prints nothing on stdout) when Redis cannot be installed or started; callers then skip,
# and nothing of the failed attempt is left behind.
#
# HUSH_CI_REDIS_STATE names the file that remembers the server (default
# $TMPDIR/hush-ci-redis.state): give each of several concurrent runs its own.
set -euo pipefail

STATE="${HUSH_CI_REDIS_STATE:-${TMPDIR:-/tmp}/hush-ci-redis.state}"
log() { echo "ci-redis: $*" >&2; }

stop() {
  [ -f "$STATE" ] || { log "nothing to stop"; return 0; }
  local dir pid
  dir=$(sed -n 1p "$STATE"); pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir" "$STATE"
  log "stopped and removed $dir"
}

start() {
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" != "0" ]; then log "redis-server is not installed and installing needs root"; exit 1; fi
    log "installing redis-server from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends redis-server >&2 ||
      { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends redis-server >&2; }
    command -v redis-server >/dev/null 2>&1 || { log "redis-server installed but not on PATH"; exit 1; }
  fi
  [ -f "$STATE" ] && stop

  local dir port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/hush-ci-redis.XXXXXX")
  port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  printf '%s\n' "$dir" >"$STATE"
  trap 'log "start failed; cleaning up"; stop' EXIT

  # Loopback only, no persistence: a disposable server that nothing outside this machine can reach.
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2 ||
    { log "redis-server failed to start"; exit 1; }
  for _ in $(seq 100); do
    if node -e "
      const s=require('net').connect($port,'127.0.0.1',()=>s.write('PING\r\n'));
      s.on('data',d=>process.exit(String(d).startsWith('+PONG')?0:1));s.on('error',()=>process.exit(1));
    " 2>/dev/null; then
      trap - EXIT
      log "running on port $port (folder $dir)"
      echo "redis://127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  log "redis-server did not answer:"; cat "$dir/redis.log" >&2 || true
  exit 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
