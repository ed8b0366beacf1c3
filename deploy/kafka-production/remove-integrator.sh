#!/usr/bin/env bash
# Takes an integrator's Kafka identity away: removes every ACL of integrator-<id>, then its SCRAM credential.
# Connections it already has stay open until they re-authenticate or close; set
# connections.max.reauth.ms on the broker to bound that. Revoke its HTTP keys separately (npm run admin).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<USAGE
usage: ${0##*/} --bootstrap-server <host:port> --command-config <admin.properties> <integrator-id>
USAGE
}

parse_connection_options "$@"
((${#ARGS[@]} == 1)) || { usage >&2; exit 2; }
id=${ARGS[0]}
[[ $id =~ ^[a-z0-9][a-z0-9_-]{0,63}$ ]] || die "integrator id '$id' must match ^[a-z0-9][a-z0-9_-]{0,63}\$"
user="integrator-$id"

# ACLs first: a user without a credential cannot log in anyway, but ACLs left behind would apply again to
# anyone who later gets the same name.
remove_acls_of "$user"
delete_scram_user "$user"
echo "Kafka user $user removed, with its ACLs."
