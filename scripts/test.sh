#!/usr/bin/env bash
# The one test command (`npm test`, also run by .ci/run): installs, starts Kafka and PostgreSQL once if they are
# not up, builds, type-checks the specs, lints, then runs the unit, integration and end-to-end tiers in that order.
# A lint error fails the run, but the tests still run so that one go shows everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

started=$(date +%s)
install_dependencies
start_infrastructure
build_all
echo "== type-checking the tests" >&2
npx --no-install tsc -p tsconfig.spec.json

status=0
lint_changed || { status=1; echo "== lint failed (see above)" >&2; }
echo "== checking the formatting (prettier --check)" >&2
npx --no-install prettier --check . --log-level=warn || { status=1; echo "== unformatted files (npm run format writes them)" >&2; }

mkdir -p reports && rm -f reports/jest-*.json
for tier in unit int e2e; do
  echo "== ${tier} tests" >&2
  NX_DAEMON=false npx --no-install nx run closeloop:test-${tier} --outputStyle=static || status=1
done

node scripts/test-summary.js reports/jest-unit.json reports/jest-int.json reports/jest-e2e.json || status=1
[ "$status" -eq 0 ] || echo "npm test FAILED (lint or tests above)" >&2
echo "test run took $(( $(date +%s) - started )) s" >&2
exit $status
