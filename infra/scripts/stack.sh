#!/usr/bin/env bash
# The one supervisor of the local infrastructure (Kafka + Redis), used by `npm start`, `npm test`
# and CI. Idempotent: `up` starts only what is not running.
#   stack.sh up       start Kafka and Redis, wait until they accept clients, print where they are
#   stack.sh down     stop both cleanly
#   stack.sh status   print up/down for each (exit 1 if either is down)
#   stack.sh env      print the environment variables that point clients at this stack
#   stack.sh purge    stop both and delete their data (the event log too)
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

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
    rm -rf "$KAFKA_DIR" "$REDIS_DIR" "$GPUX_PORTS_FILE"
    say "local Kafka and Redis data deleted"
    ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
