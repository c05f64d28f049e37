#!/usr/bin/env bash
# The dashboard test loads /ui in a headless Chromium (Debian's package);
# install it when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -n "${BERTH_CHROMIUM:-}" ]; then
  exit 0
fi
echo "installing chromium for the dashboard test" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
