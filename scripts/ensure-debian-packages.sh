#!/usr/bin/env bash
# Tests start real servers and a browser from Debian's packages: PostgreSQL
# (the ledger's contract and restart tests; each test starts its own server
# in a temp dir, nothing runs as a service) and Chromium (the dashboard test,
# headless). Installs what is missing, with one apt run.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || [ -n "${BERTH_CHROMIUM:-}" ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} for the tests" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
