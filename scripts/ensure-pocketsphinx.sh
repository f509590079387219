#!/usr/bin/env bash
# Voicemail transcription's default engine is Debian's pocketsphinx with its US English model.
# `npm test` runs this first: it installs both packages when missing (as root, or with
# passwordless sudo), so that a fresh machine needs nothing by hand. pbx-router itself needs them
# only on a server where a mailbox turns transcription on (docs/clinic-it.md).
set -euo pipefail
if command -v pocketsphinx_continuous >/dev/null 2>&1 && [ -f /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-pocketsphinx: pocketsphinx is missing and there is no apt-get: install pocketsphinx and its en-us model" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-pocketsphinx: pocketsphinx is missing; run: sudo apt-get install pocketsphinx pocketsphinx-en-us" >&2
    exit 1
  fi
fi
echo "ensure-pocketsphinx: installing Debian's pocketsphinx and pocketsphinx-en-us for the transcription tests"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq pocketsphinx pocketsphinx-en-us >/dev/null
