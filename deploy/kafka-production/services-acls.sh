#!/usr/bin/env bash
# One SCRAM-SHA-512 user per Closeloop service, closeloop-<service>, with exactly the ACLs its code needs
# (README.md has the table and where each grant comes from). Prints each generated password once, to go into
# that service's KAFKA_SASL_PASSWORD; running it again replaces the passwords (a rotation: restart the services
# with the new ones). --acls-only re-applies the ACLs and leaves the credentials alone. Adding an ACL that
# exists is a no-op, so a re-run is safe; ACLs this script no longer grants are not removed.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<USAGE
usage: ${0##*/} --bootstrap-server <host:port> --command-config <admin.properties> [--acls-only] [topic-prefix]
USAGE
}

acls_only=false
connection=()
for argument in "$@"; do
  if [[ $argument == --acls-only ]]; then acls_only=true; else connection+=("$argument"); fi
done
parse_connection_options "${connection[@]}"
((${#ARGS[@]} <= 1)) || { usage >&2; exit 2; }
# KAFKA_TOPIC_PREFIX of the deployment: it prefixes topics and consumer groups alike.
prefix=${ARGS[0]:-}
check_prefix "$prefix"

intake="${prefix}workorders.intake"
events="${prefix}workorders.events"
commands="${prefix}workorders.commands"
all_topics=("$intake" "$intake.dlq" "$events" "$events.dlq" "$commands" "$commands.dlq")

# Every service, at start-up (ensureTopics in libs/messaging/src/kafka.ts): lists topics and fetches metadata
# for all six (Describe; a topic it may not describe looks missing), and creates those that are missing
# (Create on exactly these names, never on the cluster). An operator who creates the topics beforehand, with
# the partition counts of libs/contracts/src/topics.ts, can drop the Create grants.
startup() {
  local user=$1 topic
  for topic in "${all_topics[@]}"; do
    allow "$user" Describe --topic "$topic"
    allow "$user" Create --topic "$topic"
  done
}

# A consumer group <prefix><service> reading one topic (Read on the topic for Fetch and ListOffsets; Read on
# the group for JoinGroup, SyncGroup, Heartbeat, OffsetFetch and OffsetCommit), dead-lettering to <topic>.dlq.
consumes() {
  local user=$1 group=$2 topic=$3
  allow "$user" Read --topic "$topic"
  allow "$user" Read --group "$group"
  allow "$user" Write --topic "$topic.dlq"
}

# The relay publishes committed events (every service that appends events: all but query). The producer is not
# idempotent and not transactional, so neither IdempotentWrite nor a transactional id is needed.
relays() {
  allow "$1" Write --topic "$events"
}

grant() {
  local service=$1 user="closeloop-$1"
  startup "$user"
  case $service in
    intake) consumes "$user" "${prefix}intake" "$intake"; relays "$user" ;;
    # dispatch also decides the commands other services send it, in a group of its own (docs/adr/0020).
    dispatch) consumes "$user" "${prefix}dispatch" "$events"; consumes "$user" "${prefix}dispatch-commands" "$commands"; relays "$user" ;;
    # sla-timer's callback and closing timers ask dispatch to act.
    sla-timer) consumes "$user" "${prefix}sla-timer" "$events"; relays "$user"; allow "$user" Write --topic "$commands" ;;
    notification) consumes "$user" "${prefix}$service" "$events"; relays "$user" ;;
    query) consumes "$user" "${prefix}query" "$events" ;;
    *) die "unknown service $service" ;;
  esac
}

for service in intake dispatch sla-timer notification query; do
  user="closeloop-$service"
  if [[ $acls_only == false ]]; then
    password=$(generate_password)
    set_scram_user "$user" "$password"
    printf '%-24s KAFKA_SASL_USERNAME=%s KAFKA_SASL_PASSWORD=%s\n' "$service" "$user" "$password"
  fi
  grant "$service"
done
echo "ACLs granted for prefix '${prefix}'. Each service also needs KAFKA_SASL_MECHANISM=scram-sha-512 and KAFKA_SSL=true."
