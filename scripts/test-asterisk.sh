#!/usr/bin/env bash
# The real-Asterisk tier (`npm run test:asterisk`): the live scenarios against a real Asterisk 22
# from the shared build in ../shared/asterisk/dist (or PBX_ASTERISK_DIST), with SIPp callers and
# clinicians' cells and baresip desk phones. Installs what it needs from Debian when missing (as
# root or with passwordless sudo), builds dist/ (the engine runs as `pbx-router run`), then runs
# vitest with vitest.asterisk.config.ts. Extra arguments go to vitest (a file, -t <name>).
# Without the shared build it says so and exits 0; with CI=true a missing build fails.
set -euo pipefail
cd "$(dirname "$0")/.."

dist="${PBX_ASTERISK_DIST:-../shared/asterisk/dist}"
if ! ls "$dist" 2>/dev/null | grep -qE '^asterisk-22\..*\.tar\.xz$' && ! [[ "$dist" == *.tar.xz && -f "$dist" ]]; then
  if [ "${CI:-}" = "true" ]; then
    echo "test:asterisk: no Asterisk 22 build in $dist (asterisk-22.*.tar.xz); CI must run the real-Asterisk tier" >&2
    exit 1
  fi
  echo "test:asterisk: no Asterisk 22 build in $dist; skipping the real-Asterisk tier (set PBX_ASTERISK_DIST to the tarball's folder to run it)"
  exit 0
fi

packages=(libjansson4 libedit2 libxml2 libxslt1.1 libsqlite3-0 libssl3 libuuid1 libsrtp2-1 libcurl4 libpq5
  asterisk-core-sounds-en-wav asterisk-moh-opsound-wav sip-tester baresip-core espeak-ng sox xz-utils iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      echo "test:asterisk: missing Debian packages; run: sudo apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "test:asterisk: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Asterisk's ports are fixed by the shipped dialplan/ files: say which one is taken instead of failing later.
for port in 8088 5038 8089; do
  if ss -Hltn "sport = :$port" | grep -q .; then echo "test:asterisk: TCP port $port is in use (ARI 8088, AMI 5038, admin API 8089); stop what uses it" >&2; exit 1; fi
done
if ss -Hlun "sport = :5060" | grep -q .; then echo "test:asterisk: UDP port 5060 (SIP) is in use; stop the other SIP server" >&2; exit 1; fi

npm run build --silent
exec npx vitest run --config vitest.asterisk.config.ts "$@"
