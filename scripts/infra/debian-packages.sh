#!/usr/bin/env bash
# Debian packages the services and their tests need beyond Node.js and Java, installed once where missing:
# fonts-noto-cjk, the CJK font the monthly report's PDF embeds (docs/reports.md), and poppler-utils, whose
# pdftotext the report specs read PDFs back with, and chromium, the browser the console's Playwright tests drive
# (Playwright's own browser download is not reachable here), and kcat, with which the intake specs produce a
# CloudEvent in Kafka binary mode as an operator would by hand, and prometheus, whose promtool checks and unit-tests
# the alert rules of deploy/prometheus (tools/monitoring.unit.spec.ts; only promtool is used, not the server).
# apt-get is tried as it is first, then after an update.
set -euo pipefail

PACKAGES=(fonts-noto-cjk poppler-utils chromium kcat prometheus)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "debian: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
  { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
