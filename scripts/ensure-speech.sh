#!/usr/bin/env bash
# `pbx-router prompts generate` and its tests speak prompt texts with Debian's espeak-ng and sox.
# `npm test` runs this first: it installs them when missing (as root, or with passwordless sudo),
# so that a fresh machine needs nothing by hand. The shipped engine prompts (sounds/) are checked
# in: running pbx-router itself needs neither tool.
set -euo pipefail
if command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-speech: espeak-ng or sox is missing and there is no apt-get: install both" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-speech: espeak-ng or sox is missing; run: sudo apt-get install espeak-ng sox" >&2
    exit 1
  fi
fi
echo "ensure-speech: installing Debian's espeak-ng and sox for the prompt tests"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq espeak-ng sox >/dev/null
