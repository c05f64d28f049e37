#!/usr/bin/env bash
# The ledger's contract tests and the PostgreSQL restart test start a real
# PostgreSQL server from Debian's package; install it when it is missing.
# Nothing runs as a service: each test starts its own server in a temp dir.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  exit 0
fi
echo "installing postgresql for the ledger tests" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
