#!/usr/bin/env bash
# Installs what Charter needs, only what is missing. Sourced by start.sh and
# test.sh. Each missing prerequisite that cannot be installed here gives one
# line saying what and how to fix it.
set -euo pipefail

need() { # need CMD "how to fix"
  command -v "$1" >/dev/null 2>&1 || { echo "charter setup: '$1' is missing: $2" >&2; exit 1; }
}

need cargo "install Rust with rustup (https://rustup.rs), then run this again"
need node "install Node.js 20 or newer (e.g. apt-get install nodejs npm), then run this again"
need npm "install npm (e.g. apt-get install npm), then run this again"

# System packages (Debian), installed when root and missing.
APT_PACKAGES=(${CHARTER_APT_PACKAGES:-})
apt_missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt_missing+=("$p")
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "charter setup: installing system packages: ${apt_missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
  else
    echo "charter setup: missing system packages: ${apt_missing[*]}; run: sudo apt-get install ${apt_missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v cargo-nextest >/dev/null 2>&1; then
  echo "charter setup: installing cargo-nextest" >&2
  cargo install --locked cargo-nextest >/dev/null
fi
