#!/usr/bin/env bash
# Installs the Debian packages listed in .ci/apt-packages that are not installed yet.
# Never fatal: a package that cannot be had only means that the tests needing it skip (and say so).
set -uo pipefail
cd "$(dirname "$0")/.."
log() { echo "ci-system-packages: $*" >&2; }

command -v apt-get >/dev/null 2>&1 || { log "no apt-get here: skipping"; exit 0; }
[ "$(id -u)" = "0" ] || { log "not root: skipping"; exit 0; }

wanted=()
while IFS= read -r line; do
  pkg="${line%%#*}"; pkg="${pkg//[[:space:]]/}"
  [ -n "$pkg" ] || continue
  # `package:command`: not wanted when the command is there already (from another package).
  if [[ "$pkg" == *:* ]]; then
    command -v "${pkg#*:}" >/dev/null 2>&1 && continue
    pkg="${pkg%%:*}"
  fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || wanted+=("$pkg")
done < .ci/apt-packages
[ ${#wanted[@]} -gt 0 ] || { log "everything listed is installed"; exit 0; }

export DEBIAN_FRONTEND=noninteractive
log "installing ${wanted[*]}"
apt-get update -q >&2 || log "apt-get update failed"
if ! apt-get install -y -q --no-install-recommends "${wanted[@]}" >&2; then
  # One missing package must not cost the others: try them one by one.
  for pkg in "${wanted[@]}"; do
    apt-get install -y -q --no-install-recommends "$pkg" >&2 || log "could not install $pkg"
  done
fi
exit 0
