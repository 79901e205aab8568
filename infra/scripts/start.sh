#!/usr/bin/env bash
# `npm start`: the whole marketplace on this machine. Installs what is missing, builds, brings up
# Kafka and Redis, starts every service, checks the GPU worker's WebGPU, and prints where
# everything is. Runs in the foreground: Ctrl-C (or SIGTERM) stops the services, then the
# infrastructure it started. `npm start -- --detach` leaves it all running (a second one, while it
# runs, says so and changes nothing); `npm run stop` stops it and says what it stopped.
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
gateway_url="http://127.0.0.1:$GPUX_GATEWAY_PORT${GRAPHQL_PATH:-/graphql}"
detach=0
USAGE="usage: npm start [-- --detach]   the whole marketplace on this machine, in the foreground (--detach: left in the background)
       npm run stop                stops what npm start started (here: $GPUX_RUN_DIR)"
# What a pid file's process has in its command line when it is ours (pid_alive's MARKER).
RUN_MARKER="infra/runtime/run.js"
START_MARKER="start.sh"

# port_taken NAME PORT: the message for a service port another process holds, naming what to set.
port_taken() {
  echo "port $2 for $1 is taken by another process (see which: ss -ltnp 'sport = :$2'): set $(port_var "$1") to a free port, or stop that process. Often it is this project's docker compose stack ('docker compose down'), another checkout's 'npm start' ('npm run stop' there, with its GPUX_RUN_DIR), or a service started by hand (node infra/runtime/run.js), which 'npm run stop' does not know: stop it yourself"
}

# stop_services: stops the worker, then the services (all signalled at once), and says which it
# stopped, with their pids; STOPPED is how many.
STOPPED=0
stop_services() {
  local stopped=() entry name
  if pid_alive "$PIDS_DIR/gpu-worker.pid" "$RUN_MARKER workers/gpu-worker"; then
    stopped+=("gpu-worker (pid $(cat "$PIDS_DIR/gpu-worker.pid"))")
  fi
  stop_pid "$PIDS_DIR/gpu-worker.pid" gpu-worker 15 "$RUN_MARKER workers/gpu-worker"
  for entry in "${SERVICES[@]}"; do
    name=${entry%%:*}
    if pid_alive "$PIDS_DIR/$name.pid" "$RUN_MARKER services/$name"; then
      stopped+=("$name (pid $(cat "$PIDS_DIR/$name.pid"))")
      kill -TERM "$(cat "$PIDS_DIR/$name.pid")" 2>/dev/null || true
    fi
  done
  for entry in "${SERVICES[@]}"; do
    name=${entry%%:*}
    stop_pid "$PIDS_DIR/$name.pid" "$name" 15 "$RUN_MARKER services/$name"
  done
  STOPPED=${#stopped[@]}
  if [ "$STOPPED" -gt 0 ]; then
    local list; list=$(printf '%s, ' "${stopped[@]}")
    say "stopped ${list%, }"
  fi
}

# where_it_runs: where everything answers, as a start prints it last (KAFKA_BROKERS and REDIS_URL
# from stack.sh env, ADMIN_API_KEY set).
where_it_runs() {
  cat <<TXT

GPU Exchange is running.
  console    http://127.0.0.1:$GPUX_GATEWAY_PORT/
  GraphQL    $gateway_url   (admin key: Authorization: Bearer $ADMIN_API_KEY)
$(for entry in "${SERVICES[@]}"; do printf '  health     http://127.0.0.1:%s/health   (%s)\n' "${entry##*:}" "${entry%%:*}"; done)
  Kafka      $KAFKA_BROKERS
  Redis      $REDIS_URL
  logs       $LOGS_DIR/
TXT
}

if [ "${1:-}" = --stop ]; then
  [ "$#" -eq 1 ] || refuse "npm run stop takes no arguments (got: ${*:2}): it stops what 'npm start' started in $GPUX_RUN_DIR (GPUX_RUN_DIR names another run folder)"
  if pid_alive "$PIDS_DIR/start.pid" "$START_MARKER"; then
    # A foreground `npm start` is running: let it stop what it started, in order.
    supervisor=$(cat "$PIDS_DIR/start.pid")
    kill -TERM "$supervisor"
    wait_for 60 "npm start to stop" bash -c "! kill -0 $supervisor 2>/dev/null" || die "npm start (pid $supervisor) did not stop within 60s"
    say "stopped npm start (pid $supervisor), which stopped what it started (its own output lists it)"
  else
    take_lock
    stop_services
    # Kafka's and Redis' own lines ("[kafka] stopped"), kept to tell whether anything ran.
    down=$(bash infra/scripts/stack.sh down)
    [ -z "$down" ] || printf '%s\n' "$down"
    [ "$STOPPED" -gt 0 ] || [ -n "$down" ] || say "nothing was running (run folder $GPUX_RUN_DIR)"
  fi
  exit 0
fi
for arg in "$@"; do
  case "$arg" in
    --detach) detach=1 ;;
    -h | --help) echo "$USAGE"; exit 0 ;;
    *) refuse "unknown argument '$arg': npm start takes only --detach ('npm start -- --detach') or --help; 'npm run stop' stops it" ;;
  esac
done
# `npm start --detach` (without the `--`) hands the flag to npm, not to this script: npm warns
# 'Unknown cli config "--detach"' and sets npm_config_detach instead. Started that way, it ran in
# the foreground and never returned to the script that ran it: taken as --detach.
if [ "$detach" = 0 ] && [ "${npm_config_detach:-}" = "true" ]; then
  detach=1
  say "taking npm's --detach as this script's ('npm start -- --detach' passes it without npm's warning)"
fi

take_lock
if pid_alive "$PIDS_DIR/start.pid" "$START_MARKER"; then
  die "npm start (pid $(cat "$PIDS_DIR/start.pid")) is already running: stop it first ('npm run stop')"
fi
# What a detached start left: every service (and Kafka and Redis) still running. A second start
# changes nothing of it: it says so (and, --detach, where it all is), building, starting and
# creating nothing (the demo's keys are those the run folder's demo-api-keys.json keeps).
# With only some running, the start goes on and starts the rest.
running=()
for entry in "${SERVICES[@]}"; do
  name=${entry%%:*}
  pid_alive "$PIDS_DIR/$name.pid" "$RUN_MARKER services/$name" && running+=("$name (pid $(cat "$PIDS_DIR/$name.pid"))")
done
if [ "${#running[@]}" -eq "${#SERVICES[@]}" ] && bash infra/scripts/stack.sh status >/dev/null 2>&1; then
  running_list=$(printf '%s, ' "${running[@]}")
  [ "$detach" -eq 1 ] || die "GPU Exchange is already running in the background, from 'npm start -- --detach' (${running_list%, }): use it as it is, or stop it first ('npm run stop')"
  say "already running, from an earlier 'npm start -- --detach': nothing was built, started or created (to run changed code: 'npm run stop', then start again)"
  eval "$(bash infra/scripts/stack.sh env | sed 's/^/export /')"
  [ -n "${ADMIN_API_KEY:-}" ] || ADMIN_API_KEY=$(cat "$GPUX_RUN_DIR/admin-api-key" 2>/dev/null) || ADMIN_API_KEY='(the one it was started with)'
  where_it_runs
  if pid_alive "$PIDS_DIR/gpu-worker.pid" "$RUN_MARKER workers/gpu-worker"; then
    echo "  gpu-worker pid $(cat "$PIDS_DIR/gpu-worker.pid") (log: $LOGS_DIR/gpu-worker.log)"
  else
    echo "  gpu-worker not running (log: $LOGS_DIR/gpu-worker.log): 'npm run stop', then start again, starts it"
  fi
  echo "The demo's API keys are the ones the start that started it printed, kept in $GPUX_RUN_DIR/demo-api-keys.json (createApiKey with the admin key makes more)."
  exit 0
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
  fresh_log "$LOGS_DIR/$name.log"
  HOST=127.0.0.1 PORT=$port nohup node infra/runtime/run.js "services/$name" >"$LOGS_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS_DIR/$name.pid"
done

# /health, not /health/live: a service answers HTTP before its consumers have joined their groups,
# and /health is 503 until they have (its `startup` check says which it waits for).
healthy() { [ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health")" = 200 ]; }
for entry in "${SERVICES[@]}"; do
  name=${entry%%:*}; port=${entry##*:}
  rc=0
  wait_for --pid "$PIDS_DIR/$name.pid" "$RUN_MARKER services/$name" 60 "$name" healthy "$port" || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -20 "$LOGS_DIR/$name.log" >&2
    [ "$rc" -eq 2 ] && die "$name exited while starting (log: $LOGS_DIR/$name.log)"
    curl -s --max-time 5 "http://127.0.0.1:$port/health" >&2 && echo >&2
    die "$name did not become healthy within 60s (log: $LOGS_DIR/$name.log)"
  fi
done

say "checking WebGPU with the gpu-worker's self-test"
timeout 120 node infra/runtime/run.js workers/gpu-worker selftest 2>"$LOGS_DIR/gpu-worker-selftest.log" | sed 's/^/  /' \
  || say "WARNING: the gpu-worker self-test failed or took over 120s (log: $LOGS_DIR/gpu-worker-selftest.log)"

# A market to try at once: h100 with a provider, a buyer (their API keys, kept in the run folder
# and reused while they work), a trade and a resting bid. Idempotent: a restart creates nothing twice. Its failure leaves the rest running.
say "opening the demo market"
credential_file=$DEMO_CREDENTIAL_FILE
GATEWAY_URL="$gateway_url" DEMO_NODE_CREDENTIAL_FILE="$credential_file" \
  node infra/scripts/demo.js 2>&1 | sed 's/^/  /' \
  || say "WARNING: the demo market could not be set up (above); the marketplace runs without it"

# One worker: this machine's adapter joins as the demo's local node and certifies it through a
# real challenge, then heartbeats (and reconnects by itself if the gateway goes away).
if [ -s "$credential_file" ] && ! pid_alive "$PIDS_DIR/gpu-worker.pid" "$RUN_MARKER workers/gpu-worker"; then
  fresh_log "$LOGS_DIR/gpu-worker.log"
  GPUX_GATEWAY_URL="$gateway_url" nohup node infra/runtime/run.js workers/gpu-worker join \
    --credential-file "$credential_file" >"$LOGS_DIR/gpu-worker.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS_DIR/gpu-worker.pid"
  say "gpu-worker joined as demo-local-node (log: $LOGS_DIR/gpu-worker.log)"
fi

where_it_runs

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
