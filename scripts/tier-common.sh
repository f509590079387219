# Shared by the live tiers (scripts/test-asterisk.sh, scripts/test-cluster.sh); sourced, not run.
# $tier names the tier in messages.
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"

# Exits 0 (or 1 with CI=true) when the shared Asterisk 22 build is missing; sets $dist.
require_asterisk_build() {
  dist="${PBX_ASTERISK_DIST:-../shared/asterisk/dist}"
  if ! ls "$dist" 2>/dev/null | grep -qE '^asterisk-22\..*\.tar\.xz$' && ! [[ "$dist" == *.tar.xz && -f "$dist" ]]; then
    if [ "${CI:-}" = "true" ]; then
      echo "$tier: no Asterisk 22 build in $dist (asterisk-22.*.tar.xz); CI must run this tier" >&2
      exit 1
    fi
    echo "$tier: no Asterisk 22 build in $dist; skipping (set PBX_ASTERISK_DIST to the tarball's folder to run it)"
    exit 0
  fi
}

# Installs the Debian packages given that are missing (as root or with passwordless sudo), or says what to run.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  # Debian's kamailio package would start its own service on 5060: never while installing.
  APT_NO_SERVICES=1 apt_install "$tier" "" --no-install-recommends "${missing[@]}"
}

# The Asterisk libraries the shared build needs, and the SIP peers of the tests.
ASTERISK_LIBS=(libjansson4 libedit2 libxml2 libxslt1.1 libsqlite3-0 libssl3 libuuid1 libsrtp2-1 libcurl4 libpq5)
