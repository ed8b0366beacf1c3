#!/usr/bin/env bash
# Brings the whole system up on this machine and runs the demo: dependencies, Kafka and PostgreSQL (reused when
# already running), a build, the five services, then a few reports walked through to their timelines.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

install_dependencies
start_infrastructure
load_local_secrets
build_all

database=${CLOSELOOP_DATABASE:-closeloop}
node -e 'require("./libs/database/dist").ensureDatabase(process.argv[1], process.argv[2]).catch((e) => { console.error(e.message); process.exit(1); })' "$DATABASE_URL" "$database"
DATABASE_URL=$(node -e 'console.log(require("./libs/database/dist").withDatabase(process.argv[1], process.argv[2]))' "$DATABASE_URL" "$database")
export DATABASE_URL

echo "== starting services" >&2
# The demo runs urgent SLAs in seconds so a breach and its escalation happen while you watch; set
# SLA_POLICY_FILE=config/sla-policy.json for the real targets (30 min to acknowledge, 2 h to resolve).
export SLA_POLICY_FILE=${SLA_POLICY_FILE:-config/sla-policy.demo.json}
# Likewise alert storm shaping: a 20-second window (not 5 minutes), so the demo's storm digest arrives while you watch.
export ALERT_STORM_WINDOW_SECONDS=${ALERT_STORM_WINDOW_SECONDS:-20}
# E-mail alerts go to the demo's own SMTP inbox (scripts/demo.js) unless SMTP_HOST names a real server.
if [ -z "${SMTP_HOST:-}" ]; then
  export SMTP_HOST=127.0.0.1 SMTP_PORT=${SMTP_PORT:-2525} SMTP_SECURE=false SMTP_FROM='Closeloop alerts <alerts@closeloop.local>'
fi
# SMS (alerts and residents' step notices) goes to the demo's own stand-in for Twilio (scripts/demo-resident-notices.js)
# unless SMS_TWILIO_ACCOUNT_SID names a real account.
if [ -z "${SMS_TWILIO_ACCOUNT_SID:-}" ]; then
  export SMS_TWILIO_BASE_URL=http://127.0.0.1:${DEMO_SMS_PORT:-2526} SMS_TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000 \
    SMS_TWILIO_AUTH_TOKEN=demo-stand-in-auth-token SMS_TWILIO_FROM=+8610690000
fi
# Staff tokens: the admin tool's local signing key stands in for an identity provider (set STAFF_JWKS_URL and
# STAFF_TOKEN_ISSUER for a real one, e.g. a Keycloak realm).
export STAFF_TOKEN_ISSUER=${STAFF_TOKEN_ISSUER:-closeloop-local}
if [ -z "${STAFF_JWKS_URL:-}" ]; then
  export STAFF_JWKS_FILE=${STAFF_JWKS_FILE:-$PWD/.local/keys/jwks.json}
  npm run -s admin -- token jwks >/dev/null
fi
node scripts/stack.js start
echo "== demo" >&2
node scripts/demo.js
cat >&2 <<MSG

Closeloop is up. Logs: .local/logs/ (services), .local/logs/kafka/ (broker).
Metrics (Prometheus text): http://127.0.0.1:9101/metrics (intake) … 9106 (console); probes /health/live, /health/ready.
Stop the services with: node scripts/stack.js stop   (and the broker/database with: bash scripts/infra/down.sh)
MSG
# The console's sign-in link for the demo's supervisor of S1: a one-time code in the fragment, good for ten
# minutes, exchanged by the console for a token signed with the local key (never a token in the link).
if [ -z "${STAFF_JWKS_URL:-}" ]; then
  cat >&2 <<MSG

The staff console: open the link below to sign in as the demo supervisor of S1. It works once, within 10 minutes;
make another with \`npm run admin -- console sign-in-link --help\`.
MSG
  npm run -s admin -- console sign-in-link --staff-id sup-demo --name 'Demo Supervisor' --roles supervisor \
    --sites S1 --console-url "${CONSOLE_URL:-http://127.0.0.1:3006}"
else
  echo "The staff console: http://127.0.0.1:3006/sign-in (sign in at ${STAFF_TOKEN_ISSUER})" >&2
fi
