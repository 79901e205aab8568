#!/usr/bin/env bash
# `npm run bench:<name>`: builds the benchmarks, brings up Kafka and Redis if they are not running
# (and takes them down after), and runs bench/<name>.ts. The last line printed is one JSON object.
set -euo pipefail
GPUX_LOG_TAG=bench
. "$(dirname "$0")/../infra/scripts/lib.sh"
cd "$GPUX_ROOT"
name=${1:?usage: bench/run.sh <name>}
[ -f "bench/$name.ts" ] || die "no benchmark bench/$name.ts"
ensure_node_deps
# Benchmarks of the running system need the services built and Kafka and Redis up; pure ones don't.
needs_stack=0
grep -qE 'KafkaClients|KAFKA_BROKERS' "bench/$name.ts" && needs_stack=1
[ "$needs_stack" -eq 0 ] || NX_DAEMON=false NX_TUI=false npx --no-install nx run-many -t build --output-style=static >/dev/null
npx --no-install tsc -p bench/tsconfig.json
if [ "$needs_stack" -eq 1 ] && { [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${REDIS_URL:-}" ]; }; then
  # A stack already up (an `npm start`'s) is used as it is; one this run brings up it takes down.
  if ! bash infra/scripts/stack.sh status >/dev/null 2>&1; then
    trap 'bash infra/scripts/stack.sh down >&2' EXIT
    bash infra/scripts/stack.sh up >&2
  fi
  eval "$(bash infra/scripts/stack.sh env | sed 's/^/export /')"
fi
node infra/runtime/run.js "bench/$name.js" "${@:2}"
