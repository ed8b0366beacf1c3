#!/usr/bin/env bash
# Gives an integrator its own Kafka identity: the SCRAM-SHA-512 user integrator-<id>, allowed to produce to
# <prefix>workorders.intake and nothing else. Prints the generated password once; it is stored only as a
# salted hash, so a lost password means running this again (which replaces it).
#
# The integrator must also be registered in Closeloop (npm run admin -- integrator create --id <id> ...): the
# intake service accepts an event only when its CloudEvents source is /integrators/<id> of a registered
# integrator allowed for the site and event type. See README.md for what the broker does not check.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<USAGE
usage: ${0##*/} --bootstrap-server <host:port> --command-config <admin.properties> <integrator-id> [topic-prefix]
USAGE
}

parse_connection_options "$@"
((${#ARGS[@]} >= 1 && ${#ARGS[@]} <= 2)) || { usage >&2; exit 2; }
id=${ARGS[0]}
prefix=${ARGS[1]:-}
# The same rule as the admin tool's integrator ids, so the user name and the CloudEvents source match.
[[ $id =~ ^[a-z0-9][a-z0-9_-]{0,63}$ ]] || die "integrator id '$id' must match ^[a-z0-9][a-z0-9_-]{0,63}\$"
check_prefix "$prefix"

user="integrator-$id"
topic="${prefix}workorders.intake"
password=$(generate_password)

set_scram_user "$user" "$password"
# Write implies Describe, but Describe is granted explicitly: producers fetch the topic's metadata first.
# No Create (the topic already exists), no Read, no group: an integrator cannot see what others sent.
# No IdempotentWrite on the cluster either: since Kafka 3.0 (KIP-679) Write on a topic is enough for an
# idempotent producer's InitProducerId. Add it (allow "$user" IdempotentWrite --cluster) only for older brokers.
allow "$user" Write --topic "$topic"
allow "$user" Describe --topic "$topic"

cat <<DONE
Kafka user $user may now produce to $topic.
  username: $user
  password: $password
  mechanism: SCRAM-SHA-512 over TLS (SASL_SSL)
Hand the password over through a secret channel; it is not shown again. Every event must carry
source /integrators/$id, or intake dead-letters it.
DONE
