#!/usr/bin/env bash
# The lease tests (test/unit/cluster/) start their own PostgreSQL in a temporary folder with
# Debian's `initdb` and `postgres`. `npm test` runs this first: it installs Debian's postgresql
# (15) when initdb is missing (scripts/apt-install.sh). Debian keeps the server programs in /usr/lib/postgresql/<version>/bin, off
# PATH: test/support/postgres.ts looks there. The Debian service is not started (installing
# creates and may start the `main` cluster on port 5432; the tests never use it).
set -euo pipefail
if command -v initdb >/dev/null 2>&1; then exit 0; fi
for bin in /usr/lib/postgresql/*/bin; do
  if [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ]; then exit 0; fi
done
source "$(dirname "$0")/apt-install.sh"
# The package would create and start its own `main` cluster on port 5432: not while installing.
APT_NO_SERVICES=1 apt_install ensure-postgres "PostgreSQL 15: initdb, postgres" postgresql
