# Sourced by kafka.sh and postgres.sh: the repository root, messages on stderr that name the script, and a TCP probe.
# The sourcing script sets INFRA_NAME first.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly ROOT

say() { printf '%s: %s\n' "$INFRA_NAME" "$*" >&2; }
die() { printf '%s: ERROR: %s\n' "$INFRA_NAME" "$*" >&2; exit 1; }

# TCP connect only: bash's /dev/tcp keeps the scripts free of nc/kcat, and
# `timeout` stops a filtered port from hanging us.
tcp_open() {
  # shellcheck disable=SC2016  # $1/$2 belong to the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}
