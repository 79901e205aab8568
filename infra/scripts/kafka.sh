#!/usr/bin/env bash
# A single-node Apache Kafka 4.x broker in KRaft mode (combined broker + controller), run from the
# Maven Central jars. Usage: kafka.sh fetch|up|down|status
set -euo pipefail
GPUX_LOG_TAG=kafka
. "$(dirname "$0")/lib.sh"
# In the broker's command line: a pid in kafka.pid without it is not our broker (pid_alive).
KAFKA_MARKER="kafka.Kafka $KAFKA_DIR/server.properties"

require_java() {
  command -v java >/dev/null || die "Java 17 is required to run Kafka and was not found: install a JDK 17 (Debian: apt-get install openjdk-17-jre-headless)"
  local v; v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  [ "${v:-0}" -ge 17 ] || die "Java ${v:-unknown} found; Kafka $KAFKA_VERSION needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)"
}

fetch() {
  [ -f "$KAFKA_LIBS/.complete" ] && return 0
  command -v mvn >/dev/null || die "Maven is required to fetch the Kafka jars and was not found: install it (Debian: apt-get install maven)"
  say "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central into $KAFKA_LIBS (first run only)"
  rm -rf "$KAFKA_LIBS" && mkdir -p "$KAFKA_LIBS"
  mvn -B -q -C -f "$GPUX_ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$GPUX_CACHE_DIR/mvn-kafka.log" 2>&1 \
    || { tail -20 "$GPUX_CACHE_DIR/mvn-kafka.log" >&2; die "Maven could not resolve the Kafka jars (log: $GPUX_CACHE_DIR/mvn-kafka.log)"; }
  touch "$KAFKA_LIBS/.complete"
}

write_config() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  cat >"$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$GPUX_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$GPUX_KAFKA_PORT,CONTROLLER://127.0.0.1:$GPUX_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$GPUX_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
# One node: every internal topic has one replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# A group's committed offsets are where its commands resume: kept ten years, not the default week,
# so a service stopped longer does not start over from the oldest command it kept and decide again
# the ones whose keys it has forgotten (docs/operations.md).
offsets.retention.minutes=5256000
# Topics are provisioned by the services from the contracts' registry, never by accident.
auto.create.topics.enable=false
num.partitions=1
PROPS
}

classpath() { printf '%s/*' "$KAFKA_LIBS"; }

run_java() {
  java $GPUX_KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$KAFKA_DIR/logs" \
    -Dlog4j2.configurationFile="$GPUX_ROOT/infra/kafka/log4j2.properties" \
    -cp "$(classpath)" "$@"
}

# The broker accepts clients once its listener is open and it has logged its start (and only while
# it runs: another process may hold the port, and server.log outlives the broker).
ready() { pid_alive "$KAFKA_DIR/kafka.pid" "$KAFKA_MARKER" && port_open "$GPUX_KAFKA_PORT" && grep -qs 'Kafka Server started' "$KAFKA_DIR/logs/server.log"; }

up() {
  require_java
  if pid_alive "$KAFKA_DIR/kafka.pid" "$KAFKA_MARKER"; then say "already running on 127.0.0.1:$GPUX_KAFKA_PORT"; return 0; fi
  port_open "$GPUX_KAFKA_PORT" && die "port $GPUX_KAFKA_PORT is taken by another process; stop it or set GPUX_KAFKA_PORT"
  port_open "$GPUX_KAFKA_CONTROLLER_PORT" && die "the controller port $GPUX_KAFKA_CONTROLLER_PORT is taken by another process; stop it or set GPUX_KAFKA_CONTROLLER_PORT"
  fetch
  write_config
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    local id; id=$(run_java kafka.tools.StorageTool random-uuid | tail -1)
    run_java kafka.tools.StorageTool format -t "$id" -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/logs/format.log" 2>&1 \
      || { cat "$KAFKA_DIR/logs/format.log" >&2; die "formatting the broker's storage failed"; }
  fi
  : >"$KAFKA_DIR/logs/server.log"
  # 9>&-: the broker outlives its starter and must not keep the run folder's lock (take_lock).
  nohup java $GPUX_KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$KAFKA_DIR/logs" \
    -Dlog4j2.configurationFile="$GPUX_ROOT/infra/kafka/log4j2.properties" \
    -cp "$(classpath)" kafka.Kafka "$KAFKA_DIR/server.properties" \
    >"$KAFKA_DIR/logs/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$KAFKA_DIR/kafka.pid"
  local rc=0
  wait_for --pid "$KAFKA_DIR/kafka.pid" "$KAFKA_MARKER" 120 kafka ready || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$KAFKA_DIR/logs/server.log" "$KAFKA_DIR/logs/stdout.log" >&2 || true
    down
    [ "$rc" -eq 2 ] && die "the broker exited while starting (logs: $KAFKA_DIR/logs)"
    die "broker did not become ready within 120s (logs: $KAFKA_DIR/logs)"
  fi
  say "ready on 127.0.0.1:$GPUX_KAFKA_PORT (Kafka $KAFKA_VERSION, KRaft)"
}

down() {
  if pid_alive "$KAFKA_DIR/kafka.pid" "$KAFKA_MARKER"; then
    stop_pid "$KAFKA_DIR/kafka.pid" kafka 60 "$KAFKA_MARKER"
    say "stopped"
  fi
  rm -f "$KAFKA_DIR/kafka.pid"
}

status() {
  if ready; then echo "kafka: up   127.0.0.1:$GPUX_KAFKA_PORT"; else echo "kafka: down"; return 1; fi
}

case "${1:-}" in
  fetch) require_java; mkdir -p "$GPUX_CACHE_DIR"; fetch ;;
  up) mkdir -p "$GPUX_CACHE_DIR"; up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 fetch|up|down|status" >&2; exit 2 ;;
esac
