# Shared steps of scripts/up.sh and scripts/test.sh.

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# Installs only when node_modules is missing or older than the lock file, so a second run starts at once.
# `npm install` rather than `npm ci`: with this machine's omit-lockfile-registry-resolved setting the lock file
# cannot list other platforms' optional binaries (@swc/core-*), and `npm ci` then refuses a lock it calls stale.
install_dependencies() {
  local stamp=node_modules/.closeloop-installed
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    echo "== installing dependencies" >&2
    npm install --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
}

build_all() {
  echo "== building (nx run-many -t build)" >&2
  NX_DAEMON=false NX_NO_CLOUD=true npx --no-install nx run-many -t build --outputStyle=static >/dev/null
}

# Lints what changed since the branch left main (`nx affected`), or every project where there is no such base: on
# main itself, as in CI's fresh clone, "affected since main" would be nothing. A change to the lint configuration,
# the tags or the dependencies can break any project, so it lints everything too.
lint_changed() {
  local base nx=(env NX_DAEMON=false NX_NO_CLOUD=true npx --no-install nx)
  base=$(git merge-base HEAD main 2>/dev/null || true)
  if [ -n "$base" ] && [ "$base" != "$(git rev-parse HEAD)" ] &&
    [ -z "$(git diff --name-only "$base" -- eslint.config.js nx.json package.json package-lock.json '*/*/package.json')" ]; then
    echo "== linting the projects affected since $(git rev-parse --short "$base") (nx affected -t lint)" >&2
    "${nx[@]}" affected -t lint --base="$base" --outputStyle=static
  else
    echo "== linting every project (nx run-many -t lint)" >&2
    "${nx[@]}" run-many -t lint --outputStyle=static
  fi
}

# Starts (or reuses) Kafka and PostgreSQL and exports KAFKA_BROKERS and DATABASE_URL (the admin URL).
start_infrastructure() {
  bash scripts/infra/up.sh
  set -a
  # shellcheck disable=SC1091
  . .local/infra.env
  set +a
}

# Secrets the local stack needs (the signing key of alert ack links; the key of residents' status links and caller
# phone digests), made once per checkout under .local and never committed; production sets them from its secret
# store. A checkout from before a secret existed gains it without losing the others.
load_local_secrets() {
  mkdir -p .local
  local name
  for name in ALERT_LINK_SECRET RESIDENT_SECRET; do
    if ! grep -qs "^$name=" .local/secrets.env; then
      (
        umask 077
        echo "$name=$(node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))')" >> .local/secrets.env
      )
    fi
  done
  set -a
  # shellcheck disable=SC1091
  . .local/secrets.env
  set +a
}
