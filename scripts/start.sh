#!/usr/bin/env bash
# Installs what is missing, builds the desktop app (debug, UI embedded) and
# launches it. The workspace lives in the app data dir (CHARTER_DATA_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "charter: no display (DISPLAY is not set): run on a desktop session, or under Xvfb: xvfb-run -a npm start" >&2
  exit 1
fi
echo "charter: building the UI and the app (the first build takes several minutes)" >&2
npm --prefix ui run build --silent
cargo build -p charter-app --features custom-protocol --locked
exec target/debug/charter-app "$@"
