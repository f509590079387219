# Sourced by the ensure-*.sh scripts that `npm test` runs first: installs Debian packages that a
# test needs, as root or with passwordless sudo, so that a fresh machine needs nothing by hand;
# otherwise it says what to run. Callers check first whether the tool is already there.
#
#   apt_install WHO HINT [apt-get option...] PACKAGE...   (WHO names the script in messages; HINT is added to them)
#   APT_NO_SERVICES=1 keeps a package's service from starting while it installs (policy-rc.d 101).
apt_install() {
  local who=$1 hint=$2 names=() a
  shift 2
  for a in "$@"; do [[ $a == -* ]] || names+=("$a"); done
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: ${names[*]} missing and there is no apt-get: install them${hint:+ ($hint)}" >&2
    exit 1
  fi
  local SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      echo "$who: missing; run: sudo apt-get install ${names[*]}${hint:+ ($hint)}" >&2
      exit 1
    fi
  fi
  echo "$who: installing Debian's ${names[*]}"
  $SUDO apt-get update -qq
  local policy=/usr/sbin/policy-rc.d added="" status=0
  if [ -n "${APT_NO_SERVICES:-}" ] && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    added=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null || status=$?
  if [ -n "$added" ]; then $SUDO rm -f "$policy"; fi
  return "$status"
}
