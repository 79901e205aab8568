#!/usr/bin/env bash
# `npm test`: the whole suite, as CI runs it. Installs what is missing (system packages as root,
# npm dependencies), checks formatting, lint and types, builds, runs the unit tests, brings up Kafka and Redis
# (unless KAFKA_BROKERS and REDIS_URL already point at a running stack, e.g. docker compose),
# runs the integration tests against them, and takes down what it brought up.
set -euo pipefail
GPUX_LOG_TAG=test
. "$(dirname "$0")/lib.sh"
cd "$GPUX_ROOT"
# 9>&-: nothing nx starts (tests spawn services) may keep this run's lock after it (take_lock).
nx() { npx --no-install nx "$@" 9>&-; }

ensure_system_deps
ensure_node_deps

export GPUX_TEST_SUMMARY="$GPUX_RUN_DIR/test-summary.txt"
# Every name the tests take from uniqueName (@gpux/testing), so that the topics made under them are
# deleted after the integration tests (test-topics.js), on the stack this run brought up and on an
# `npm start`'s alike.
export GPUX_TEST_NAMES="$GPUX_RUN_DIR/test-names.txt"
mkdir -p "$GPUX_RUN_DIR" && : >"$GPUX_TEST_SUMMARY" && : >"$GPUX_TEST_NAMES"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

say "formatting (prettier --check; npx prettier --write . fixes it)"
npx --no-install prettier --check . >/dev/null || { npx --no-install prettier --list-different . >&2; die "files not formatted with prettier (listed above): npx prettier --write ."; }

say "lint and type checks"
nx run-many -t lint typecheck --output-style=static
# The benchmarks are no Nx project (bench/run.sh compiles one when it runs): checked here, so a
# change to what they import cannot leave one that no longer compiles.
npx --no-install tsc -p bench/tsconfig.json --noEmit

say "build"
nx run-many -t build --output-style=static

say "unit tests"
nx run-many -t test --skip-nx-cache --output-style=static

started_stack=0
if [ -n "${KAFKA_BROKERS:-}" ] && [ -n "${REDIS_URL:-}" ]; then
  say "integration tests against the stack in the environment: KAFKA_BROKERS=$KAFKA_BROKERS REDIS_URL=$REDIS_URL"
else
  # A stack already up (an `npm start`'s) is used as it is: the tests keep to namespaces of their
  # own. One this run brings up is its own until it takes it down: held with the run folder's lock
  # (take_lock), so no `npm start` adopts it meanwhile and no `npm run stop` stops it under the tests.
  if ! bash infra/scripts/stack.sh status >/dev/null 2>&1; then
    take_lock
    started_stack=1
    trap 'bash infra/scripts/stack.sh down' EXIT
    bash infra/scripts/stack.sh up
  fi
  eval "$(bash infra/scripts/stack.sh env | sed 's/^/export /')"
fi

say "integration tests (real Kafka, Redis and WebGPU), in two lanes: the gpu-worker and end-to-end suites beside the others"
# Two lanes on the one stack, each project's tests in band: the gpu-worker's and then the
# end-to-end suite (about half of the time, mostly waiting on heartbeats, leases and restarts), and
# every other project one after the other. The two suites that time work on the WebGPU adapter
# (lavapipe: the CPU) share a lane, so that neither measures while the other computes. Every test
# keeps to names and ports of its own (uniqueName, freePort): the lanes share nothing but the
# broker and Redis. The builds above are what they test: nothing is built again
# (--excludeTaskDependencies; int-test is never cached). The first lane's output is printed once
# it is done, whole, after the other's.
status=0
lane_log="$GPUX_RUN_DIR/int-test-lane.log"
{
  lane=0
  nx run-many -t int-test -p gpu-worker --excludeTaskDependencies --output-style=static || lane=$?
  nx run-many -t int-test -p e2e --excludeTaskDependencies --output-style=static || lane=$?
  exit "$lane"
} >"$lane_log" 2>&1 &
lane_pid=$!
nx run-many -t int-test --exclude e2e,gpu-worker --excludeTaskDependencies --parallel=1 --output-style=static || status=$?
lane_status=0
wait "$lane_pid" || lane_status=$?
cat "$lane_log"
[ "$lane_status" -ne 0 ] && status=$lane_status

say "deleting the topics the tests made"
node infra/scripts/test-topics.js "$GPUX_TEST_NAMES" || say "some of the tests' topics were not deleted (why: above); they stay on the broker"

read -r passed failed skipped < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$GPUX_TEST_SUMMARY")
[ "$started_stack" -eq 1 ] && say "stopping the stack this run started"
echo "${passed} passed, ${failed} failed$([ "$skipped" -gt 0 ] && echo ", ${skipped} skipped")"
exit "$status"
