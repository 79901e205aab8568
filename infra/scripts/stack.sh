#!/usr/bin/env bash
# The one supervisor of the local infrastructure (Kafka + Redis), used by `npm start`, `npm test`
# and CI. Idempotent: `up` starts only what is not running. Its commands: USAGE below.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

USAGE="usage: npm run stack -- up|down|status|env|purge   (bash infra/scripts/stack.sh …; run folder $GPUX_RUN_DIR)
  up       start Kafka and Redis, wait until they accept clients, print where they are
  down     stop both cleanly
  status   print up/down for each (exit 1 if either is down)
  env      print the environment variables that point clients at this stack
  purge    stop both and delete their data (the event log too, and the demo node's credential)"

case "${1:-}" in
  -h | --help) echo "$USAGE"; exit 0 ;;
  up | down | status | env | purge)
    [ "$#" -eq 1 ] || refuse "stack.sh $1 takes no more arguments (got: ${*:2}); $(echo "$USAGE" | head -1)" ;;
  "") echo "$USAGE" >&2; exit 2 ;;
  *) refuse "unknown command '$1': stack.sh takes one of up, down, status, env, purge (npm run stack -- status), or --help" ;;
esac

print_env() {
  echo "KAFKA_BROKERS=127.0.0.1:$GPUX_KAFKA_PORT"
  echo "REDIS_URL=redis://127.0.0.1:$GPUX_REDIS_PORT"
}

case "${1:-}" in
  up)
    check_ports GPUX_KAFKA_PORT GPUX_KAFKA_CONTROLLER_PORT GPUX_REDIS_PORT
    take_lock
    record_ports
    bash "$here/redis.sh" up
    bash "$here/kafka.sh" up
    print_env | sed 's/^/  /'
    ;;
  down)
    take_lock
    bash "$here/kafka.sh" down
    bash "$here/redis.sh" down
    rm -f "$GPUX_PORTS_FILE"
    ;;
  status)
    rc=0
    bash "$here/kafka.sh" status || rc=1
    bash "$here/redis.sh" status || rc=1
    exit $rc
    ;;
  env) print_env ;;
  purge)
    take_lock
    bash "$here/kafka.sh" down
    bash "$here/redis.sh" down
    # The demo node's credential goes with the log that registered its node (lib.sh).
    rm -rf "$KAFKA_DIR" "$REDIS_DIR" "$GPUX_PORTS_FILE" "$DEMO_CREDENTIAL_FILE"
    say "local Kafka and Redis data deleted (the demo node's credential too)"
    ;;
esac
