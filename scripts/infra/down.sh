#!/usr/bin/env bash
# Stops what scripts/infra/up.sh started for this project. Brokers and
# databases that were merely reused (the machine's own, or DATABASE_URL /
# KAFKA_BROKERS elsewhere) are left running.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/scripts/infra"

# Stop both even if one fails, then report.
failed=()
"$HERE/kafka.sh" down || failed+=(kafka)
"$HERE/postgres.sh" down || failed+=(postgres)
# The file describes running services; a stale one would mislead `source`rs.
rm -f "$ROOT/.local/infra.env"

if ((${#failed[@]})); then
  echo "down: failed to stop: ${failed[*]}" >&2
  exit 1
fi
