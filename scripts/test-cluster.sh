#!/usr/bin/env bash
# The cluster tier (`npm run test:cluster`): Kamailio (Debian's kamailio 5.6, the shipped
# deploy/cluster/kamailio.cfg) on 127.0.0.1:5060 in front of two Asterisk 22 nodes from the shared
# build (127.0.0.2:5060 and 127.0.0.3:5062, configured by `pbx-router asterisk-config --node`),
# SIPp carrier calls, a baresip desk phone, PostgreSQL and two engines (an active/standby pair). Installs what it needs from Debian when missing (as
# root or with passwordless sudo), waits while another tier holds its ports (the real-Asterisk tier
# binds 0.0.0.0:5060), then runs vitest with vitest.cluster.config.ts. Extra arguments go to vitest.
# Without the shared build it says so and exits 0; with CI=true a missing build fails.
set -euo pipefail
cd "$(dirname "$0")/.."

tier=test:cluster
source scripts/tier-common.sh
require_asterisk_build
ensure_packages "${ASTERISK_LIBS[@]}" kamailio sip-tester baresip-core asterisk-core-sounds-en-wav asterisk-moh-opsound-wav xz-utils iproute2
# The engine pair's store and lease: a PostgreSQL the tests start in a temporary folder.
bash scripts/ensure-postgres.sh
# The engines run as `pbx-router run` (bin/pbx-router.js runs dist/).
npm run build --silent

# What this tier binds: SIP 5060 (Kamailio on 127.0.0.1, node a on 127.0.0.2) and 5062 (node b), ARI
# 8088 and AMI 5038 on 127.0.0.2 and 127.0.0.3. Another tier's Asterisk may hold one (it binds SIP
# on 0.0.0.0:5060): wait for it rather than fail, up to PBX_CLUSTER_WAIT seconds (default 600).
busy() {
  # The real-Asterisk tier frees 5060 between its test files: wait for the whole run, not a gap.
  pgrep -f 'vitest.asterisk.config' >/dev/null && { echo "the real-Asterisk tier (npm run test:asterisk)"; return 0; }
  ss -Hlun 'sport = :5060 or sport = :5062' | grep -q . && { echo "UDP 5060/5062 (SIP)"; return 0; }
  ss -Hltn 'sport = :8088 or sport = :5038' | awk '{print $4}' | grep -qE '^(0\.0\.0\.0|\*|\[::\]|127\.0\.0\.[23]):' && { echo "TCP 8088/5038 on the nodes' addresses"; return 0; }
  return 1
}
waited=0
while what=$(busy); do
  if [ "$waited" -ge "${PBX_CLUSTER_WAIT:-600}" ]; then echo "$tier: $what still in use after ${waited} s; stop what uses it (ss -lunpt)" >&2; exit 1; fi
  [ "$waited" -eq 0 ] && echo "$tier: $what in use (another tier running?); waiting"
  sleep 10
  waited=$((waited + 10))
done

start=$(date +%s)
status=0
npx vitest run --config vitest.cluster.config.ts "$@" || status=$?
echo "$tier: $(( $(date +%s) - start )) s"
exit $status
