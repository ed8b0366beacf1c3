#!/usr/bin/env bash
# Makes what docker-compose.yml reads from this checkout, the same files `npm run up` makes for the native stack:
# .local/secrets.env (ALERT_LINK_SECRET for the notification service) and the admin tool's local staff-token
# signing key in .local/keys, whose public jwks.json the services mount. Both are kept on later runs. The admin
# tool runs on the built libraries, so this installs and builds first, as `npm run up` does; the same tool then
# registers integrators and issues staff tokens for the containers (see docs/operations.md, "Docker").
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

install_dependencies
build_all
load_local_secrets
echo "== staff-token key: $(npm run -s admin -- token jwks)" >&2
