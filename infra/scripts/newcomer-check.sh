#!/usr/bin/env bash
# The newcomer's path, as CI walks it on its clean clone: `npm start -- --detach`, the smoke check
# of what it started (infra/scripts/smoke.js: every /health, the demo market's book through
# GraphQL, the local node CERTIFIED by its worker), then `npm run stop`, and nothing of this
# checkout left running. On a failure it prints the logs that explain it and exits 1.
#   newcomer-check.sh [LABEL]     LABEL names the pass in its output (e.g. "after npm test")
set -euo pipefail
GPUX_LOG_TAG="newcomer${1:+ ($1)}"
. "$(dirname "$0")/lib.sh"
cd "$GPUX_ROOT"
LOGS_DIR="$GPUX_RUN_DIR/logs"
PORTS=("$GPUX_GATEWAY_PORT" "$GPUX_ORDERS_PORT" "$GPUX_PRICING_PORT" "$GPUX_SETTLEMENT_PORT" "$GPUX_CAPACITY_PORT"
  "$GPUX_KAFKA_PORT" "$GPUX_KAFKA_CONTROLLER_PORT" "$GPUX_REDIS_PORT")
started=$SECONDS

show_logs() {
  for log in "$LOGS_DIR"/*.log "$GPUX_RUN_DIR/build.log" "$GPUX_RUN_DIR/kafka/logs/server.log"; do
    [ -f "$log" ] || continue
    echo "----- last lines of $log" >&2
    tail -25 "$log" >&2
  done
}

# What this checkout may have left running: its services and worker (run from this checkout),
# its broker and its Redis (their command lines name its run folder). Another checkout's
# processes on the same machine are not this one's.
leftovers() {
  local port pid cwd cmd
  for port in "${PORTS[@]}"; do port_open "$port" && echo "port $port still open"; done
  for pid in $(pgrep -f "infra/runtime/run.js|$GPUX_RUN_DIR" || true); do
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || continue
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
    case "$cmd" in *newcomer-check*) continue ;; esac
    if [ "$cwd" = "$GPUX_ROOT" ] || [[ "$cmd" == *"$GPUX_RUN_DIR"* ]]; then echo "$pid $cmd"; fi
  done
}

say "npm start -- --detach"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! npm start --silent -- --detach >"$out" 2>&1; then
  cat "$out" >&2
  show_logs
  npm run stop --silent >/dev/null 2>&1 || true
  die "npm start failed (output above)"
fi
sed 's/^/  /' "$out"
say "started in $((SECONDS - started)) s"

smoke=0
node infra/scripts/smoke.js || smoke=$?
[ "$smoke" -eq 0 ] || show_logs

say "npm run stop"
npm run stop --silent
left=$(leftovers)
[ "$smoke" -eq 0 ] || die "the smoke check failed (above)"
[ -z "$left" ] || { echo "$left" >&2; die "npm run stop left these behind"; }
say "passed in $((SECONDS - started)) s: started, answered, certified, stopped with nothing left running"
