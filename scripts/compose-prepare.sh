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
jwks=$(npm run -s admin -- token jwks)
# The containers run as another user (node); the JWKS holds only public keys, so anyone may read it.
chmod a+r "$jwks"
echo "== staff-token key: $jwks" >&2
