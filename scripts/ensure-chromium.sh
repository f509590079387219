#!/usr/bin/env bash
# The wallboard's browser test runs in Debian's headless Chromium. `npm test` runs this first: it
# installs the chromium package when it is missing (as root, or with passwordless sudo), so that
# a fresh machine needs nothing by hand. CHROMIUM_PATH points at another Chromium instead.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no /usr/bin/chromium and no apt-get: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-chromium: Chromium is missing; run: sudo apt-get install chromium (or set CHROMIUM_PATH)" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version 2>/dev/null || true
