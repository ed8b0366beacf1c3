#!/usr/bin/env bash
# Brings up the local infrastructure (Kafka broker, PostgreSQL) and writes
# .local/infra.env so tests and other scripts can `source` one file instead of
# repeating the discovery logic. Each part reuses what is already running.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/scripts/infra"
ENV_FILE="$ROOT/.local/infra.env"

# Each `up` prints KEY=VALUE as its last stdout line; progress is on stderr.
last_line() { local out; out=$("$@") || return 1; printf '%s\n' "${out##*$'\n'}"; }

bash "$HERE/debian-packages.sh" || { echo "up: Debian packages failed to install (scripts/infra/debian-packages.sh)" >&2; exit 1; }

kafka_line=$(last_line "$HERE/kafka.sh" up) \
  || { echo "up: Kafka failed to come up (scripts/infra/kafka.sh up)" >&2; exit 1; }
pg_line=$(last_line "$HERE/postgres.sh" up) \
  || { echo "up: PostgreSQL failed to come up (scripts/infra/postgres.sh up)" >&2; exit 1; }

[[ "$kafka_line" == KAFKA_BROKERS=?* ]] || { echo "up: unexpected output from kafka.sh: $kafka_line" >&2; exit 1; }
[[ "$pg_line" == DATABASE_URL=?* ]] || { echo "up: unexpected output from postgres.sh: $pg_line" >&2; exit 1; }

mkdir -p "$(dirname "$ENV_FILE")"
# Written whole and renamed, so a reader never sources half a file.
printf '%s\n%s\n' "$kafka_line" "$pg_line" >"$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"
echo "up: wrote ${ENV_FILE#"$ROOT"/}:" >&2
cat "$ENV_FILE"
