#!/usr/bin/env bash
# The AWS tests and `berth demo --provider aws` run EC2/SQS calls against a
# real moto server; install it (pinned) when it is missing. Runs before
# `npm test` (pretest) and in CI.
set -euo pipefail
MOTO='moto[server]==5.2.1'
if command -v moto_server >/dev/null 2>&1 || python3 -c 'import moto.server' >/dev/null 2>&1; then
  exit 0
fi
echo "installing $MOTO for the AWS tests" >&2
# A system Python that refuses global installs (PEP 668) gets a per-user one.
python3 -m pip install --quiet "$MOTO" ||
  python3 -m pip install --quiet --user --break-system-packages "$MOTO"
