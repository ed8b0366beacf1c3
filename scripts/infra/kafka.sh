#!/usr/bin/env bash
# Local single-node Kafka (KRaft) broker for development and tests, without
# Docker: the broker's jars come from Maven Central (deploy/kafka-local/pom.xml)
# and run on the machine's Java.
#
# Usage: scripts/infra/kafka.sh up|down|status|logs-path
#
# Environment:
#   KAFKA_BROKERS          broker list to use (default 127.0.0.1:$KAFKA_PORT).
#                          If it already answers, `up` reuses it.
#   KAFKA_PORT             client port of the project's own broker (default:
#                          the port in KAFKA_BROKERS, else 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default 9093)
#   KAFKA_START_TIMEOUT    seconds to wait for one start attempt (default 90)
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xms512m -Xmx1g)
#   KAFKA_DATA_DIR         broker data, rendered config and pid file
#                          (default .local/kafka/data); another folder and
#                          other ports make a second, private broker, as the
#                          chaos harness does to kill one of its own
#   KAFKA_LOG_DIR          broker logs (default .local/logs/kafka)
#
# Progress goes to stderr; `up` prints `KAFKA_BROKERS=...` as its last stdout
# line so callers can capture it.
set -euo pipefail

readonly KAFKA_VERSION=3.9.1

readonly INFRA_NAME=kafka
# shellcheck source=scripts/infra/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
readonly POM="$ROOT/deploy/kafka-local/pom.xml"
readonly TEMPLATE="$ROOT/deploy/kafka-local/server.properties.template"
readonly LOG4J="$ROOT/deploy/kafka-local/log4j.properties"
readonly CACHE_DIR="$ROOT/.local/kafka/$KAFKA_VERSION"
readonly LIBS="$CACHE_DIR/libs"
readonly STAMP="$CACHE_DIR/libs.complete"
readonly DATA_DIR="${KAFKA_DATA_DIR:-$ROOT/.local/kafka/data}"
readonly LOG_DIRS="$DATA_DIR/logs"
readonly CONFIG="$DATA_DIR/server.properties"
readonly PID_FILE="$DATA_DIR/broker.pid"
readonly CLUSTER_ID_FILE="$DATA_DIR/cluster.id"
readonly LOGS="${KAFKA_LOG_DIR:-$ROOT/.local/logs/kafka}"
readonly STDOUT_LOG="$LOGS/broker.out"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
fmt_secs() { printf '%d.%01d' $(( $1 / 1000 )) $(( ($1 % 1000) / 100 )); }

# KAFKA_BROKERS may be a comma-separated list; `up` reuses it if any answers.
IFS=',' read -r -a BROKER_LIST <<<"${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}"
FIRST="${BROKER_LIST[0]}"
BROKER_HOST="${FIRST%:*}"
BROKER_PORT="${FIRST##*:}"
[[ "$BROKER_PORT" =~ ^[0-9]+$ && "$FIRST" == *:* ]] \
  || die "cannot read host:port from KAFKA_BROKERS='${KAFKA_BROKERS:-}'"
KAFKA_PORT="${KAFKA_PORT:-$BROKER_PORT}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
readonly START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

any_broker_answers() {
  local b
  for b in "${BROKER_LIST[@]}"; do
    if tcp_open "${b%:*}" "${b##*:}"; then ANSWERING="$b"; return 0; fi
  done
  return 1
}

is_loopback() {
  case "$1" in 127.*|localhost|::1|'[::1]') return 0 ;; *) return 1 ;; esac
}

# The pid file alone is not proof: after a reboot the number may belong to an
# unrelated process, which `down` must never signal.
recorded_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *" kafka.Kafka "* ]] || return 1
  echo "$pid"
}

libs_complete() {
  [[ -f "$STAMP" && -d "$LIBS" ]] || return 1
  [[ "$(<"$STAMP")" == "$(sha256sum "$POM" | cut -d' ' -f1)" ]]
}

# More than one SLF4J binding makes SLF4J pick one at random; none makes the
# broker silent. Either way a failed start would be undiagnosable.
check_single_binding() {
  local dir=$1 f bindings=()
  for f in "$dir"/slf4j-{reload4j,log4j12,simple,jdk14,nop}-*.jar \
           "$dir"/logback-classic-*.jar "$dir"/log4j-slf4j-impl-*.jar "$dir"/log4j-slf4j2-impl-*.jar; do
    [[ -e "$f" ]] && bindings+=("${f##*/}")
  done
  ((${#bindings[@]} == 1)) \
    || die "expected exactly one SLF4J binding in $dir, found: ${bindings[*]:-none}"
}

# Sets RESOLVED=1 when it had to go to Maven. (A flag, not a return code:
# bash turns errexit off inside functions called as an `if` condition.)
RESOLVED=0
resolve_libs() {
  if libs_complete; then
    return 0
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is not installed; it is needed once to fetch the broker's jars"
  say "resolving Kafka $KAFKA_VERSION jars from Maven Central into ${LIBS#"$ROOT"/} (first start only)"
  # Resolve into a scratch folder and rename at the end, so an interrupted
  # download is never mistaken for a complete cache.
  local partial="$CACHE_DIR/libs.partial"
  rm -rf "$partial" "$STAMP"
  mkdir -p "$partial"
  # Output goes to a file: Debian's Maven 3.8 prints stray colour codes even
  # with -B -q, and only a failure's output is worth showing.
  local mvn_log="$LOGS/maven.log"
  if ! mvn -B -q -f "$POM" -Dkafka.libs.dir="$partial" \
      org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies >"$mvn_log" 2>&1; then
    tail -n 30 "$mvn_log" >&2
    die "Maven could not resolve the broker's jars (pom: ${POM#"$ROOT"/}, full output: ${mvn_log#"$ROOT"/})"
  fi
  compgen -G "$partial/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null \
    || die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing from $partial"
  check_single_binding "$partial"
  rm -rf "$LIBS"
  mv "$partial" "$LIBS"
  sha256sum "$POM" | cut -d' ' -f1 >"$STAMP"
  local jars=("$LIBS"/*.jar)
  say "cached ${#jars[@]} jars ($(du -sh "$LIBS" | cut -f1))"
  RESOLVED=1
}

render_config() {
  mkdir -p "$DATA_DIR" "$LOG_DIRS" "$LOGS"
  local line out=""
  while IFS= read -r line || [[ -n "$line" ]]; do
    line=${line//@HOST@/$BROKER_HOST}
    line=${line//@KAFKA_PORT@/$KAFKA_PORT}
    line=${line//@CONTROLLER_PORT@/$CONTROLLER_PORT}
    line=${line//@LOG_DIRS@/$LOG_DIRS}
    out+="$line"$'\n'
  done <"$TEMPLATE"
  printf '%s' "$out" >"$CONFIG.tmp"
  mv "$CONFIG.tmp" "$CONFIG"
}

# Formatting writes meta.properties with the cluster id; keeping the id in a
# file means a re-format after a partial wipe does not clash with the logs.
FORMATTED=0
format_storage() {
  if [[ -f "$LOG_DIRS/meta.properties" ]]; then
    return 0
  fi
  local id
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    id=$(<"$CLUSTER_ID_FILE")
  else
    id=$(java -cp "$LIBS/*" -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOGS" \
        kafka.tools.StorageTool random-uuid 2>>"$STDOUT_LOG") \
      || die "StorageTool random-uuid failed (see ${STDOUT_LOG#"$ROOT"/})"
    echo "$id" >"$CLUSTER_ID_FILE"
  fi
  say "formatting storage in ${LOG_DIRS#"$ROOT"/} (cluster id $id)"
  java -cp "$LIBS/*" -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOGS" \
      kafka.tools.StorageTool format -t "$id" -c "$CONFIG" --ignore-formatted >>"$STDOUT_LOG" 2>&1 \
    || die "StorageTool format failed (see ${STDOUT_LOG#"$ROOT"/})"
  FORMATTED=1
}

start_broker() {
  local heap=${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}
  printf '\n=== %s starting broker ===\n' "$(date -Is)" >>"$STDOUT_LOG"
  # setsid + nohup: the broker must outlive the shell (and terminal) that ran
  # `up`. The inner shell records its own pid and then execs java, so the pid
  # file names the JVM itself whether or not setsid had to fork.
  # shellcheck disable=SC2086,SC2016  # $heap is word-split on purpose; $$/$1/$@ belong to the inner shell
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOGS" \
      -cp "$LIBS/*" kafka.Kafka "$CONFIG" \
    >>"$STDOUT_LOG" 2>&1 </dev/null &
}

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 120; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  say "broker pid $pid ignored SIGTERM for 60 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  die "broker pid $pid is still alive after SIGKILL"
}

# Port 9092 opens only once the broker has joined the quorum (the controller
# port opens earlier and would be a false signal), so a TCP connect to it is
# the readiness check. With `kill` as $1, a broker that misses the deadline is
# stopped so the caller can retry.
wait_ready() {
  local on_timeout=${1:-keep} deadline=$(( $(date +%s) + START_TIMEOUT )) pid=""
  while (( $(date +%s) < deadline )); do
    pid=$(recorded_pid || true)
    if [[ -z "$pid" ]]; then
      sleep 0.5
      pid=$(recorded_pid || true)
      [[ -n "$pid" ]] || { say "broker process exited during start"; return 1; }
    fi
    if tcp_open "$BROKER_HOST" "$KAFKA_PORT"; then
      return 0
    fi
    sleep 0.5
  done
  say "broker did not open $BROKER_HOST:$KAFKA_PORT within ${START_TIMEOUT}s"
  if [[ "$on_timeout" == kill && -n "$pid" ]]; then stop_pid "$pid"; fi
  return 1
}

# The address the running project broker was started with (its rendered
# config is only rewritten when no project broker is running).
running_address() {
  local line
  while IFS= read -r line; do
    if [[ "$line" == advertised.listeners=PLAINTEXT://* ]]; then
      echo "${line#advertised.listeners=PLAINTEXT://}"
      return 0
    fi
  done <"$CONFIG"
  return 1
}

show_failure_logs() {
  say "last lines of ${STDOUT_LOG#"$ROOT"/}:"
  tail -n 20 "$STDOUT_LOG" >&2 || true
  if [[ -f "$LOGS/server.log" ]]; then
    say "last lines of ${LOGS#"$ROOT"/}/server.log:"
    tail -n 20 "$LOGS/server.log" >&2 || true
  fi
}

cmd_up() {
  local t0 cold=()
  t0=$(now_ms)
  if any_broker_answers; then
    say "reusing the broker already answering at $ANSWERING"
    echo "KAFKA_BROKERS=${KAFKA_BROKERS:-$FIRST}"
    return 0
  fi
  is_loopback "$BROKER_HOST" \
    || die "nothing answers at ${KAFKA_BROKERS}; a project broker can only be started on a loopback address"
  command -v java >/dev/null || die "java is not installed (Java 17+ is needed to run the broker)"

  local pid
  if pid=$(recorded_pid); then
    # An earlier `up` is still starting (or a broker is hung): wait for it
    # instead of launching a second JVM onto the same log dirs.
    local running
    running=$(running_address 2>/dev/null || echo unknown)
    [[ "$running" == "$BROKER_HOST:$KAFKA_PORT" ]] \
      || die "project broker pid $pid is running for $running, not $BROKER_HOST:$KAFKA_PORT; stop it first: scripts/infra/kafka.sh down"
    say "project broker pid $pid is already running; waiting for it"
    wait_ready keep || { show_failure_logs; die "project broker pid $pid is running but not ready; check the logs or run: scripts/infra/kafka.sh down"; }
    say "broker ready at $BROKER_HOST:$KAFKA_PORT (pid $pid)"
    echo "KAFKA_BROKERS=$BROKER_HOST:$KAFKA_PORT"
    return 0
  fi
  rm -f "$PID_FILE"

  if tcp_open "$BROKER_HOST" "$CONTROLLER_PORT"; then
    die "controller port $BROKER_HOST:$CONTROLLER_PORT is taken by another process; set KAFKA_CONTROLLER_PORT"
  fi

  mkdir -p "$LOGS"
  resolve_libs
  render_config
  format_storage
  ((RESOLVED)) && cold+=("jars resolved")
  ((FORMATTED)) && cold+=("storage formatted")

  local attempt
  for attempt in 1 2; do
    say "starting broker on $BROKER_HOST:$KAFKA_PORT (controller $CONTROLLER_PORT, attempt $attempt)"
    start_broker
    if wait_ready kill; then
      local elapsed kind
      elapsed=$(fmt_secs $(( $(now_ms) - t0 )))
      if ((${#cold[@]})); then
        kind="cold: ${cold[0]}${cold[1]:+, ${cold[1]}}"
      else
        kind="warm"
      fi
      say "broker ready at $BROKER_HOST:$KAFKA_PORT (pid $(<"$PID_FILE")) in ${elapsed}s ($kind)"
      say "logs: ${LOGS#"$ROOT"/}/"
      echo "KAFKA_BROKERS=$BROKER_HOST:$KAFKA_PORT"
      return 0
    fi
    show_failure_logs
    rm -f "$PID_FILE"
    # A slow 2-core machine can miss the first quorum election; one more try
    # is cheap compared with a failed test run.
  done
  die "broker failed to start twice; logs are in ${LOGS#"$ROOT"/}/"
}

cmd_down() {
  local pid
  if pid=$(recorded_pid); then
    say "stopping project broker pid $pid"
    stop_pid "$pid"
    rm -f "$PID_FILE"
    say "stopped"
  else
    rm -f "$PID_FILE"
    if any_broker_answers; then
      say "no project broker is running; the broker at $ANSWERING was not started by this project and is left alone"
    else
      say "no project broker is running"
    fi
  fi
}

cmd_status() {
  local pid
  if any_broker_answers; then
    if pid=$(recorded_pid); then
      say "up: $ANSWERING (project broker, pid $pid)"
    else
      say "up: $ANSWERING (not started by this project)"
    fi
    return 0
  fi
  if pid=$(recorded_pid); then
    say "starting or hung: project broker pid $pid is running but ${BROKER_LIST[*]} does not answer"
  else
    say "down: nothing answers at ${BROKER_LIST[*]}"
  fi
  return 1
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs-path) echo "$LOGS" ;;
  *) echo "usage: $0 up|down|status|logs-path" >&2; exit 2 ;;
esac
