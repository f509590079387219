#!/usr/bin/env bash
# Voicemail transcription's default engine is Debian's pocketsphinx with its US English model.
# `npm test` (and `npm run demo`) runs this first: it installs both packages when missing
# (scripts/apt-install.sh). pbx-router itself needs them only on a server where a mailbox turns
# transcription on (docs/clinic-it.md).
set -euo pipefail
if command -v pocketsphinx_continuous >/dev/null 2>&1 && [ -f /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict ]; then exit 0; fi
source "$(dirname "$0")/apt-install.sh"
apt_install ensure-pocketsphinx "" pocketsphinx pocketsphinx-en-us
