#!/usr/bin/env bash
# The wallboard's browser test runs in Debian's headless Chromium. `npm test` runs this first: it
# installs the chromium package when it is missing (scripts/apt-install.sh). CHROMIUM_PATH points
# at another Chromium instead.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
if [ -x /usr/bin/chromium ]; then exit 0; fi
source "$(dirname "$0")/apt-install.sh"
apt_install ensure-chromium "or set CHROMIUM_PATH to a Chromium" chromium
/usr/bin/chromium --version 2>/dev/null || true
