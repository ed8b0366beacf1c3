#!/usr/bin/env bash
# The one test command (`npm test`, also run by .ci/run): installs, starts Kafka and PostgreSQL once if they are
# not up, builds, type-checks the specs, then runs the unit, integration and end-to-end tiers in that order.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

started=$(date +%s)
install_dependencies
start_infrastructure
build_all
echo "== type-checking the tests" >&2
npx --no-install tsc -p tsconfig.spec.json

mkdir -p reports && rm -f reports/jest-*.json
status=0
for tier in unit int e2e; do
  echo "== ${tier} tests" >&2
  NX_DAEMON=false npx --no-install nx run closeloop:test-${tier} --outputStyle=static || status=1
done

node scripts/test-summary.js reports/jest-unit.json reports/jest-int.json reports/jest-e2e.json || status=1
echo "test run took $(( $(date +%s) - started )) s" >&2
exit $status
