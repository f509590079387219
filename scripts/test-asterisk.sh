#!/usr/bin/env bash
# The real-Asterisk tier (`npm run test:asterisk`): the live scenarios against a real Asterisk 22
# from the shared build in ../shared/asterisk/dist (or PBX_ASTERISK_DIST), with SIPp callers and
# clinicians' cells and baresip desk phones. Installs what it needs from Debian when missing (as
# root or with passwordless sudo), builds dist/ (the engine runs as `pbx-router run`), then runs
# vitest with vitest.asterisk.config.ts. Extra arguments go to vitest (a file, -t <name>).
# Without the shared build it says so and exits 0; with CI=true a missing build fails.
set -euo pipefail
cd "$(dirname "$0")/.."

tier=test:asterisk
source scripts/tier-common.sh
require_asterisk_build
ensure_packages "${ASTERISK_LIBS[@]}" asterisk-core-sounds-en-wav asterisk-moh-opsound-wav sip-tester baresip-core espeak-ng sox xz-utils iproute2

# Asterisk's ports are fixed by the shipped dialplan/ files: say which one is taken instead of failing later.
for port in 8088 5038 8089; do
  if ss -Hltn "sport = :$port" | grep -q .; then echo "test:asterisk: TCP port $port is in use (ARI 8088, AMI 5038, admin API 8089); stop what uses it" >&2; exit 1; fi
done
if ss -Hlun "sport = :5060" | grep -q .; then echo "test:asterisk: UDP port 5060 (SIP) is in use; stop the other SIP server" >&2; exit 1; fi

npm run build --silent
exec npx vitest run --config vitest.asterisk.config.ts "$@"
