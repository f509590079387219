#!/usr/bin/env bash
# The lease tests (test/unit/cluster/) start their own PostgreSQL in a temporary folder with
# Debian's `initdb` and `postgres`. `npm test` runs this first: it installs Debian's postgresql
# (15) when initdb is missing (as root, or with passwordless sudo), so that a fresh machine needs
# nothing by hand. Debian keeps the server programs in /usr/lib/postgresql/<version>/bin, off
# PATH: test/support/postgres.ts looks there. The Debian service is not started (installing
# creates and may start the `main` cluster on port 5432; the tests never use it).
set -euo pipefail
if command -v initdb >/dev/null 2>&1; then exit 0; fi
for bin in /usr/lib/postgresql/*/bin; do
  if [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ]; then exit 0; fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-postgres: PostgreSQL's initdb is missing and there is no apt-get: install PostgreSQL 15 (initdb, postgres)" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-postgres: PostgreSQL's initdb is missing; run: sudo apt-get install postgresql" >&2
    exit 1
  fi
fi
echo "ensure-postgres: installing Debian's postgresql for the lease tests"
$SUDO apt-get update -qq
# policy-rc.d answering 101 keeps the package from starting its service while it installs.
POLICY=/usr/sbin/policy-rc.d
ADDED_POLICY=""
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  ADDED_POLICY=1
fi
status=0
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null || status=$?
if [ -n "$ADDED_POLICY" ]; then $SUDO rm -f "$POLICY"; fi
exit "$status"
