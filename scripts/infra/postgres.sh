#!/usr/bin/env bash
# PostgreSQL for local development and tests. Prefers a database that is
# already there; only when there is none does it run the project's own
# throw-away cluster under .local/postgres.
#
# Usage: scripts/infra/postgres.sh up|down|url
#
# Order of preference for `up`:
#   1. DATABASE_URL, if set (must answer: checked with pg_isready -d).
#   2. The machine's server at PG_PROBE_URL (default 127.0.0.1:5432), used as
#      postgres://postgres@HOST:PORT/postgres when it answers and accepts that
#      login. PG_PROBE_URL may also be a full postgres:// URL; point it at a
#      dead port to force step 3.
#   3. The project's own cluster: initdb into .local/postgres/data, trust auth,
#      127.0.0.1:$LOCAL_PG_PORT (default 54329), log in .local/logs/postgres.log.
#      LOCAL_PG_HOME (default .local/postgres) and LOCAL_PG_LOG move the cluster
#      and its log: with another port they make a second, private cluster, as
#      the chaos harness does to kill one of its own.
#
# Progress goes to stderr; `up` and `url` print `DATABASE_URL=...` (an admin
# URL) as their last stdout line. `down` stops only the project's own cluster.
set -euo pipefail

readonly INFRA_NAME=postgres
# shellcheck source=scripts/infra/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
readonly PG_HOME="${LOCAL_PG_HOME:-$ROOT/.local/postgres}"
readonly PG_DATA="$PG_HOME/data"
readonly PG_LOG="${LOCAL_PG_LOG:-$ROOT/.local/logs/postgres.log}"
readonly LOCAL_PG_PORT="${LOCAL_PG_PORT:-54329}"
readonly PROBE="${PG_PROBE_URL:-127.0.0.1:5432}"
readonly OWN_URL="postgres://postgres@127.0.0.1:$LOCAL_PG_PORT/postgres"
# initdb refuses to run as root; this user is created only when the machine
# has no `postgres` user to borrow.
readonly FALLBACK_USER=closeloop-pg

# Newest installed major first, then whatever PATH offers (non-Debian layouts).
PG_BIN=""
find_pg_bin() {
  local d
  # An unmatched glob stays literal and fails the -x test below.
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rn); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then PG_BIN=$d; return 0; fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    PG_BIN=$(dirname "$(command -v pg_ctl)")
    return 0
  fi
  return 1
}

need_pg_bin() {
  find_pg_bin && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "no PostgreSQL binaries found; installing Debian's postgresql package"
    apt-get update >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 \
      || die "apt-get install postgresql failed"
    find_pg_bin && return 0
  fi
  die "no PostgreSQL binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or PATH; install PostgreSQL"
}

# Client tools for checks only; absent tools just mean a weaker check.
client_tool() {
  if [[ -n "$PG_BIN" && -x "$PG_BIN/$1" ]]; then echo "$PG_BIN/$1"; return 0; fi
  find_pg_bin && [[ -x "$PG_BIN/$1" ]] && { echo "$PG_BIN/$1"; return 0; }
  command -v "$1" 2>/dev/null
}

# Answers and accepts the login in the URL (a server that wants a password
# we do not have is no use to the tests).
url_usable() {
  local url=$1 psql
  if psql=$(client_tool psql); then
    "$psql" -d "$url" -XAtqc 'select 1' >/dev/null 2>&1
  else
    local hostport=${url#*@}
    hostport=${hostport%%/*}
    tcp_open "${hostport%:*}" "${hostport##*:}"
  fi
}

# Root may not run the server; everyone else runs it as themselves.
PG_USER=""
pick_run_user() {
  if [[ $(id -u) -ne 0 ]]; then PG_USER=$(id -un); return; fi
  if id postgres >/dev/null 2>&1; then
    PG_USER=postgres
  else
    if ! id "$FALLBACK_USER" >/dev/null 2>&1; then
      say "creating system user $FALLBACK_USER to own the project's cluster"
      useradd --system --no-create-home --shell /usr/sbin/nologin "$FALLBACK_USER" \
        || die "useradd $FALLBACK_USER failed"
    fi
    PG_USER=$FALLBACK_USER
  fi
}

as_pg_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

# Unix socket paths are limited to ~107 bytes; a deep checkout would make
# the server refuse to start with a confusing message.
socket_dir() {
  local dir="$PG_HOME/run"
  if (( ${#dir} + 20 > 100 )); then
    dir="/tmp/closeloop-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  fi
  echo "$dir"
}

own_cluster_running() {
  [[ -f "$PG_DATA/PG_VERSION" ]] || return 1
  find_pg_bin || return 1
  pick_run_user
  as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

start_own_cluster() {
  need_pg_bin
  pick_run_user
  local sock
  sock=$(socket_dir)
  mkdir -p "$PG_HOME" "$sock" "$(dirname "$PG_LOG")"
  touch "$PG_LOG"
  # The server runs as $PG_USER and must own its data, socket dir and log.
  if [[ $(id -u) -eq 0 ]]; then
    chown -R "$PG_USER:" "$PG_HOME" "$sock" "$PG_LOG"
    # runuser keeps the current directory; initdb fails if it cannot stat it.
    cd "$PG_HOME"
  fi

  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    say "initdb into ${PG_DATA#"$ROOT"/} as $PG_USER ($PG_BIN)"
    rm -rf "$PG_DATA"
    as_pg_user "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C >>"$PG_LOG" 2>&1 \
      || die "initdb failed (see ${PG_LOG#"$ROOT"/})"
  fi

  if tcp_open 127.0.0.1 "$LOCAL_PG_PORT"; then
    die "port 127.0.0.1:$LOCAL_PG_PORT is taken by another process; set LOCAL_PG_PORT"
  fi
  say "starting the project's cluster on 127.0.0.1:$LOCAL_PG_PORT"
  # Settings go on the command line, not into postgresql.conf, so a changed
  # LOCAL_PG_PORT applies to an existing cluster too.
  as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $LOCAL_PG_PORT -k $sock" start >&2 \
    || die "pg_ctl start failed (see ${PG_LOG#"$ROOT"/})"
}

probe_url() {
  if [[ "$PROBE" == postgres://* || "$PROBE" == postgresql://* ]]; then
    echo "$PROBE"
  else
    echo "postgres://postgres@$PROBE/postgres"
  fi
}

# Prints the URL of a database that is up now, or fails.
current_url() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    local isready
    isready=$(client_tool pg_isready) \
      || die "DATABASE_URL is set but pg_isready is not installed to check it"
    "$isready" -q -d "$DATABASE_URL" \
      || die "DATABASE_URL is set but the server does not answer (pg_isready -d failed)"
    echo "$DATABASE_URL"
    return 0
  fi
  local url
  url=$(probe_url)
  if url_usable "$url"; then echo "$url"; return 0; fi
  if own_cluster_running && url_usable "$OWN_URL"; then echo "$OWN_URL"; return 0; fi
  return 1
}

cmd_up() {
  local url
  if [[ -n "${DATABASE_URL:-}" ]]; then
    url=$(current_url)
    say "using DATABASE_URL from the environment"
  elif url=$(probe_url) && url_usable "$url"; then
    say "using the machine's PostgreSQL at $PROBE"
  elif own_cluster_running && url_usable "$OWN_URL"; then
    url=$OWN_URL
    say "reusing the project's running cluster"
  else
    say "no PostgreSQL at $PROBE; using the project's own cluster"
    start_own_cluster
    url_usable "$OWN_URL" || die "the project's cluster started but $OWN_URL does not accept connections"
    url=$OWN_URL
  fi
  echo "DATABASE_URL=$url"
}

cmd_down() {
  if own_cluster_running; then
    say "stopping the project's cluster (${PG_DATA#"$ROOT"/})"
    [[ $(id -u) -eq 0 ]] && cd "$PG_HOME"
    as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >&2 \
      || die "pg_ctl stop failed (see ${PG_LOG#"$ROOT"/})"
  else
    say "the project's cluster is not running (any other PostgreSQL is left alone)"
  fi
}

cmd_url() {
  local url
  url=$(current_url) || die "no PostgreSQL is up; run: scripts/infra/postgres.sh up"
  echo "DATABASE_URL=$url"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  url) cmd_url ;;
  *) echo "usage: $0 up|down|url" >&2; exit 2 ;;
esac
