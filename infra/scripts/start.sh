#!/usr/bin/env bash
# `npm start`: the whole marketplace on this machine. Installs what is missing, builds, brings up
# Kafka and Redis, starts every service, checks the GPU worker's WebGPU, and prints where
# everything is. Runs in the foreground: Ctrl-C (or SIGTERM) stops the services, then the
# infrastructure it started. `npm start -- --detach` leaves it all running; `npm run stop` stops it.
set -euo pipefail
GPUX_LOG_TAG=start
. "$(dirname "$0")/lib.sh"
cd "$GPUX_ROOT"

# name:port; each port from its GPUX_<NAME>_PORT (lib.sh: 4000, 4101…4104 by default).
SERVICES=(
  "gateway:$GPUX_GATEWAY_PORT" "orders:$GPUX_ORDERS_PORT" "pricing:$GPUX_PRICING_PORT"
  "settlement:$GPUX_SETTLEMENT_PORT" "capacity:$GPUX_CAPACITY_PORT"
)
PIDS_DIR="$GPUX_RUN_DIR/pids"
LOGS_DIR="$GPUX_RUN_DIR/logs"
detach=0
# What a pid file's process has in its command line when it is ours (pid_alive's MARKER).
RUN_MARKER="infra/runtime/run.js"
START_MARKER="start.sh"

# port_taken NAME PORT: the message for a service port another process holds, naming what to set.
port_taken() {
  echo "port $2 for $1 is taken by another process (see which: ss -ltnp 'sport = :$2'): set $(port_var "$1") to a free port, or stop that process. Often it is this project's docker compose stack ('docker compose down') or another checkout's 'npm start' ('npm run stop' there, with its GPUX_RUN_DIR)"
}

stop_services() {
  stop_pid "$PIDS_DIR/gpu-worker.pid" gpu-worker 15 "$RUN_MARKER workers/gpu-worker"
  for entry in "${SERVICES[@]}"; do
    local name=${entry%%:*}
    pid_alive "$PIDS_DIR/$name.pid" "$RUN_MARKER services/$name" && kill -TERM "$(cat "$PIDS_DIR/$name.pid")" 2>/dev/null || true
  done
  for entry in "${SERVICES[@]}"; do
    local name=${entry%%:*}
    stop_pid "$PIDS_DIR/$name.pid" "$name" 15 "$RUN_MARKER services/$name"
  done
}

case "${1:-}" in
  --stop)
    if pid_alive "$PIDS_DIR/start.pid" "$START_MARKER"; then
      # A foreground `npm start` is running: let it stop what it started, in order.
      supervisor=$(cat "$PIDS_DIR/start.pid")
      kill -TERM "$supervisor"
      wait_for 60 "npm start to stop" bash -c "! kill -0 $supervisor 2>/dev/null" || die "npm start (pid $supervisor) did not stop within 60s"
      say "stopped"
    else
      take_lock
      stop_services
      bash infra/scripts/stack.sh down
    fi
    exit 0
    ;;
  --detach) detach=1 ;;
  "") ;;
  *) die "unknown option $1 (use --detach, or --stop)" ;;
esac

take_lock
if pid_alive "$PIDS_DIR/start.pid" "$START_MARKER"; then
  die "npm start (pid $(cat "$PIDS_DIR/start.pid")) is already running: stop it first ('npm run stop')"
fi
check_ports GPUX_GATEWAY_PORT GPUX_ORDERS_PORT GPUX_PRICING_PORT GPUX_SETTLEMENT_PORT GPUX_CAPACITY_PORT \
  GPUX_KAFKA_PORT GPUX_KAFKA_CONTROLLER_PORT GPUX_REDIS_PORT
# Before the build (minutes): a service port another process holds is refused now, not after it.
for entry in "${SERVICES[@]}"; do
  name=${entry%%:*}; port=${entry##*:}
  pid_alive "$PIDS_DIR/$name.pid" "$RUN_MARKER services/$name" && continue
  port_open "$port" && die "$(port_taken "$name" "$port")"
done
ensure_system_deps
ensure_node_deps
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
mkdir -p "$GPUX_RUN_DIR" "$PIDS_DIR" "$LOGS_DIR"
say "building"
npx --no-install nx run-many -t build --output-style=static >"$GPUX_RUN_DIR/build.log" 2>&1 \
  || { tail -40 "$GPUX_RUN_DIR/build.log" >&2; die "build failed (log: $GPUX_RUN_DIR/build.log)"; }

stack_was_up=0
bash infra/scripts/stack.sh status >/dev/null 2>&1 && stack_was_up=1
# From here on a failure, Ctrl-C or SIGTERM (npm run stop) stops what this run started, --detach
# or not: nothing half-started is left for the next start to take for running.
shutdown() {
  trap - INT TERM EXIT
  rm -f "$PIDS_DIR/start.pid"
  echo
  if [ "$stack_was_up" -eq 1 ]; then
    say "stopping the services (Kafka and Redis were up before this start: left running)"
  else
    say "stopping the services, then the Kafka and Redis this start brought up"
  fi
  stop_services
  [ "$stack_was_up" -eq 1 ] || bash infra/scripts/stack.sh down
  exit "${1:-0}"
}
trap 'shutdown 1' INT TERM EXIT
echo $$ >"$PIDS_DIR/start.pid"
# What `npm run stop` (and the stack scripts) will find it on, without the GPUX_*_PORT given here.
record_ports
bash infra/scripts/stack.sh up
eval "$(bash infra/scripts/stack.sh env | sed 's/^/export /')"

# The gateway's admin bootstrap key: yours from the environment, or one made for this checkout.
if [ -z "${ADMIN_API_KEY:-}" ]; then
  key_file="$GPUX_RUN_DIR/admin-api-key"
  [ -s "$key_file" ] || node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))" >"$key_file"
  chmod 600 "$key_file"
  ADMIN_API_KEY=$(cat "$key_file")
fi
export ADMIN_API_KEY

# HOST is set here, not inherited: a HOST=0.0.0.0 in the caller's environment would expose them.
# 9>&-: the services outlive this script and must not keep its lock (take_lock).
for entry in "${SERVICES[@]}"; do
  name=${entry%%:*}; port=${entry##*:}
  if pid_alive "$PIDS_DIR/$name.pid" "$RUN_MARKER services/$name"; then say "$name already running"; continue; fi
  port_open "$port" && die "$(port_taken "$name" "$port")"
  HOST=127.0.0.1 PORT=$port nohup node infra/runtime/run.js "services/$name" >"$LOGS_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS_DIR/$name.pid"
done

healthy() { [ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health")" = 200 ]; }
for entry in "${SERVICES[@]}"; do
  name=${entry%%:*}; port=${entry##*:}
  rc=0
  wait_for --pid "$PIDS_DIR/$name.pid" "$RUN_MARKER services/$name" 60 "$name" healthy "$port" || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -20 "$LOGS_DIR/$name.log" >&2
    [ "$rc" -eq 2 ] && die "$name exited while starting (log: $LOGS_DIR/$name.log)"
    die "$name did not become healthy within 60s (log: $LOGS_DIR/$name.log)"
  fi
done

say "checking WebGPU with the gpu-worker's self-test"
timeout 120 node infra/runtime/run.js workers/gpu-worker selftest 2>"$LOGS_DIR/gpu-worker-selftest.log" | sed 's/^/  /' \
  || say "WARNING: the gpu-worker self-test failed or took over 120s (log: $LOGS_DIR/gpu-worker-selftest.log)"

# A market to try at once: h100 with a provider, a buyer (their new API keys), a trade and a
# resting bid. Idempotent: a restart creates nothing twice. Its failure leaves the rest running.
say "opening the demo market"
credential_file="$GPUX_RUN_DIR/demo-node-credential"
gateway_url="http://127.0.0.1:$GPUX_GATEWAY_PORT${GRAPHQL_PATH:-/graphql}"
GATEWAY_URL="$gateway_url" DEMO_NODE_CREDENTIAL_FILE="$credential_file" \
  node infra/scripts/demo.js 2>&1 | sed 's/^/  /' \
  || say "WARNING: the demo market could not be set up (above); the marketplace runs without it"

# One worker: this machine's adapter joins as the demo's local node and certifies it through a
# real challenge, then heartbeats (and reconnects by itself if the gateway goes away).
if [ -s "$credential_file" ] && ! pid_alive "$PIDS_DIR/gpu-worker.pid" "$RUN_MARKER workers/gpu-worker"; then
  GPUX_GATEWAY_URL="$gateway_url" nohup node infra/runtime/run.js workers/gpu-worker join \
    --credential-file "$credential_file" >"$LOGS_DIR/gpu-worker.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS_DIR/gpu-worker.pid"
  say "gpu-worker joined as demo-local-node (log: $LOGS_DIR/gpu-worker.log)"
fi

cat <<TXT

GPU Exchange is running.
  console    http://127.0.0.1:$GPUX_GATEWAY_PORT/
  GraphQL    $gateway_url   (admin key: Authorization: Bearer $ADMIN_API_KEY)
$(for entry in "${SERVICES[@]}"; do printf '  health     http://127.0.0.1:%s/health   (%s)\n' "${entry##*:}" "${entry%%:*}"; done)
  Kafka      $KAFKA_BROKERS
  Redis      $REDIS_URL
  logs       $LOGS_DIR/
TXT

if [ "$detach" -eq 1 ]; then
  trap - INT TERM EXIT
  rm -f "$PIDS_DIR/start.pid"
  echo "Left running in the background: stop everything with 'npm run stop'."
  exit 0
fi
trap 'shutdown 0' INT TERM
echo "Ctrl-C (or 'npm run stop' elsewhere) stops everything."
# Stay in the foreground; if a service dies, say which and stop the rest.
while true; do
  for entry in "${SERVICES[@]}"; do
    name=${entry%%:*}
    if ! pid_alive "$PIDS_DIR/$name.pid" "$RUN_MARKER services/$name"; then
      say "$name exited unexpectedly; last lines of its log:"
      tail -20 "$LOGS_DIR/$name.log" >&2
      shutdown 1
    fi
  done
  sleep 2
done
