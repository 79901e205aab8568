#!/usr/bin/env bash
# The system's redis-server on its own port, config and data folder. Usage: redis.sh up|down|status
set -euo pipefail
GPUX_LOG_TAG=redis
. "$(dirname "$0")/lib.sh"

# Its command line, as redis-server retitles itself ("redis-server 127.0.0.1:PORT"): a pid in
# redis.pid without it is not our Redis (pid_alive). The trailing space keeps port 1637 from
# matching 16379 (pid_alive ends the command line with a space).
REDIS_MARKER="redis-server 127.0.0.1:$GPUX_REDIS_PORT "
# redis.conf takes a value with spaces only in double quotes, where \ and " are escaped.
conf_quote() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

ping() { redis-cli -h 127.0.0.1 -p "$GPUX_REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

up() {
  command -v redis-server >/dev/null || die "redis-server was not found: install it (Debian: apt-get install redis-server)"
  if pid_alive "$REDIS_DIR/redis.pid" "$REDIS_MARKER" && ping; then say "already running on 127.0.0.1:$GPUX_REDIS_PORT"; return 0; fi
  port_open "$GPUX_REDIS_PORT" && die "port $GPUX_REDIS_PORT is taken by another process; stop it or set GPUX_REDIS_PORT"
  mkdir -p "$REDIS_DIR"
  # Read models only: everything in Redis is rebuilt from Kafka, so no persistence.
  cat >"$REDIS_DIR/redis.conf" <<CONF
bind 127.0.0.1
port $GPUX_REDIS_PORT
protected-mode yes
daemonize yes
pidfile $(conf_quote "$REDIS_DIR/redis.pid")
logfile $(conf_quote "$REDIS_DIR/redis.log")
dir $(conf_quote "$REDIS_DIR")
save ""
appendonly no
CONF
  # 9>&-: Redis outlives its starter and must not keep the run folder's lock (take_lock).
  redis-server "$REDIS_DIR/redis.conf" 9>&-
  wait_for 20 redis ping || { tail -20 "$REDIS_DIR/redis.log" >&2; die "redis-server did not answer PING within 20s (log: $REDIS_DIR/redis.log)"; }
  say "ready on 127.0.0.1:$GPUX_REDIS_PORT ($(redis-server --version | awk '{sub("v=","",$3); print $3}'))"
}

down() {
  if pid_alive "$REDIS_DIR/redis.pid" "$REDIS_MARKER"; then stop_pid "$REDIS_DIR/redis.pid" redis 20 "$REDIS_MARKER"; say "stopped"; fi
}

status() { if ping; then echo "redis: up   127.0.0.1:$GPUX_REDIS_PORT"; else echo "redis: down"; return 1; fi; }

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
