#!/usr/bin/env bash
# Installs what is missing and launches the Charter desktop app.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
echo "charter: the desktop app is not built yet; the CLI is: cargo run -p charter-cli -- check models/examples/seafood.model.json" >&2
exit 1
