#!/usr/bin/env bash
# `pbx-router prompts generate` and its tests, and the transcription tests, speak texts with
# Debian's espeak-ng and sox. `npm test` runs this first: it installs them when missing
# (scripts/apt-install.sh). The shipped engine prompts (sounds/) are checked in: running
# pbx-router itself needs neither tool.
set -euo pipefail
if command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1; then exit 0; fi
source "$(dirname "$0")/apt-install.sh"
apt_install ensure-speech "" espeak-ng sox
